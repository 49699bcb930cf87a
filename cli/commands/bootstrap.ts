/**
 * `sdp bootstrap --env <env> [--apply] [--json]`: the state bucket and lock table the stacks'
 * S3 backends expect. Without --apply it only prints what it would create.
 */
import { defaultAwsClients, type AwsClientFactory } from "../../delivery/aws";
import { applyBootstrap, BootstrapFailed, bootstrapPlan } from "../../delivery/bootstrap";
import { requireAccount, requireDeployedEnv, writeJson } from "../delivery-support";
import { runProcess, type ProcessRunner } from "../../delivery/deploy";
import { locateBinary, repoRoot } from "../../delivery/toolchain";
import { bootstrapStackName } from "../../contracts/naming";
import { CommandFailed, parseOptions, type Command } from "../command";

export interface BootstrapCommandDeps {
  readonly awsClients: AwsClientFactory;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Runs `cdktn deploy <bootstrap stack>` (plan, confirm, apply). */
  readonly runProcess: ProcessRunner;
  readonly root: string;
}

export const createBootstrapCommand = (overrides: Partial<BootstrapCommandDeps> = {}): Command => {
  const deps: BootstrapCommandDeps = { awsClients: defaultAwsClients, runProcess, root: repoRoot, ...overrides };
  return {
    summary: "Create the Terraform state bucket and lock table of an environment and apply its bootstrap stack (CI roles) (prints the plan without --apply)",
    help: `Usage: sdp bootstrap --env <dev|staging|prod> [--apply] [--json]

Without --apply: prints what it would create and calls nothing.
With --apply (credentials for the environment's account required): creates, or re-applies
the settings of, the S3 state bucket (versioned, SSE-KMS, public access blocked, TLS-only
policy) and the DynamoDB lock table (LockID hash key, on-demand, PITR), then runs
\`cdktn deploy <brand>-<env>-bootstrap\` (plan, confirm, apply): the GitHub OIDC provider, the CI
deploy and plan roles and the workload permissions boundary. CI never applies that stack, so
run this with administrator credentials. Safe to re-run.

Exit codes: 0 done (or plan printed), 1 AWS failure or wrong account, 2 bad usage.

Examples:
  npx sdp bootstrap --env dev
  AWS_PROFILE=acme-dev npx sdp bootstrap --env dev --apply`,
    run: async (argv, io) => {
      const { values } = parseOptions(argv, { env: { type: "string" }, apply: { type: "boolean", default: false }, json: { type: "boolean", default: false } });
      const { config } = requireDeployedEnv(values.env);
      const plan = bootstrapPlan(config);
      if (!values.apply) {
        if (values.json) writeJson(io.stdout, { env: config.name, applied: false, stateBucket: config.stateBucket, lockTable: config.stateLockTable, steps: plan });
        else {
          io.stdout.write(`Bootstrap plan for ${config.name} (account ${config.accountId}, ${config.region}):\n`);
          for (const step of plan) io.stdout.write(`  - [${step.resource}] ${step.action}\n`);
          io.stdout.write(`\nNothing was created. Re-run with --apply to create it:\n  npx sdp bootstrap --env ${config.name} --apply\n`);
        }
        return 0;
      }
      const clients = deps.awsClients(config.region);
      await requireAccount(clients.sts, config);
      let outcomes;
      try {
        outcomes = await applyBootstrap({ s3: clients.s3, dynamodb: clients.dynamodb, sleep: deps.sleep }, config);
      } catch (error) {
        if (error instanceof BootstrapFailed) throw new CommandFailed(`bootstrap of ${config.name} failed: ${error.message}`);
        throw error;
      }
      const progress = values.json ? io.stderr : io.stdout;
      if (!values.json) {
        io.stdout.write(`Bootstrapped ${config.name} (account ${config.accountId}, ${config.region}):\n`);
        for (const outcome of outcomes) io.stdout.write(`  - [${outcome.resource}] ${outcome.action}: ${outcome.result}\n`);
      }
      const stack = bootstrapStackName(config.brand, config.name);
      progress.write(`\nApplying ${stack} (CI roles and permissions boundary; CI never applies it):\n`);
      const cdktn = locateBinary("cdktn", io.env, deps.root) ?? "cdktn";
      const exitCode = await deps.runProcess(cdktn, ["deploy", stack], { cwd: deps.root, env: io.env, stdout: progress, stderr: io.stderr });
      if (values.json)
        writeJson(io.stdout, {
          env: config.name,
          applied: exitCode === 0,
          stateBucket: config.stateBucket,
          lockTable: config.stateLockTable,
          outcomes,
          bootstrapStack: { stack, exitCode },
        });
      if (exitCode !== 0)
        throw new CommandFailed(
          `cdktn deploy ${stack} exited with ${exitCode}: the state bucket and lock table are ready; re-run \`npx sdp bootstrap --env ${config.name} --apply\` once fixed`,
        );
      return 0;
    },
  };
};

export default createBootstrapCommand();
