/**
 * A reviewed snapshot of what Terraform applies: the cdk.tf.json of every stack, kept in
 * __tests__/fixtures/synth-snapshot/<stack>.json. Any change to synthesized infrastructure shows
 * up here as a failing test and, once accepted, as a diff of that folder in the pull request.
 *
 * After an intended change, regenerate the snapshot and review its diff:
 *
 *   UPDATE_SYNTH_SNAPSHOT=1 npx jest __tests__/infra/synth-snapshot.test.ts
 *   git diff __tests__/fixtures/synth-snapshot/
 *
 * History: commit c164b0e, "Test: every stack synthesized with cdktn 0.24 equals the cdktf 0.21
 * before-snapshot ..." (right after "Move to CDK Terrain") proved that the move from cdktf 0.21
 * to CDK Terrain changed nothing but the toolchain version in the `//` metadata, the aws
 * provider's version (6.25.0 -> 6.66.0) and its source ("aws" -> "hashicorp/aws", the same
 * registry.terraform.io/hashicorp/aws to Terraform). That before-snapshot, taken with cdktf
 * 0.21, is this folder as of that commit in git history (then named synth-before-cdktn/).
 *
 * Masked: the Lambda code asset's path and hash. They change with every edit of function code,
 * which is not an infrastructure change; the bundle tests (effect-function.test.ts) check what
 * goes into a zip. Everything else, versions included, is compared exactly.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { synthesize, type Synthesized } from "./helpers";

const snapshotDir = path.join(__dirname, "..", "fixtures", "synth-snapshot");
const updating = process.env.UPDATE_SYNTH_SNAPSHOT === "1";

const CODE_ASSET = "<code asset: see effect-function.test.ts>";

/** The stack with its Lambda code asset path and hash masked (everything else untouched). */
const normalize = (json: any): any => {
  const copy = structuredClone(json);
  for (const fn of Object.values<any>(copy.resource?.aws_lambda_function ?? {})) {
    if (typeof fn.filename === "string" && fn.filename.startsWith("assets/")) fn.filename = CODE_ASSET;
    if (fn.source_code_hash !== undefined) fn.source_code_hash = CODE_ASSET;
  }
  return copy;
};

describe("the synthesized stacks", () => {
  let synth: Synthesized;
  /** Every stack the app wrote: the layer stacks and any other (the bootstrap stacks). */
  let written: string[];
  beforeAll(() => {
    synth = synthesize();
    written = fs.readdirSync(path.join(synth.outdir, "stacks")).sort();
    if (updating) {
      fs.rmSync(snapshotDir, { recursive: true, force: true });
      fs.mkdirSync(snapshotDir, { recursive: true });
      for (const name of written) {
        fs.writeFileSync(path.join(snapshotDir, `${name}.json`), `${JSON.stringify(normalize(synth.stack(name)), null, 2)}\n`);
      }
    }
  });
  afterAll(() => synth.cleanup());

  const names = fs
    .readdirSync(snapshotDir)
    .map((file) => path.basename(file, ".json"))
    .sort();

  it("has a snapshot for every stack it synthesizes, and none for a stack it does not", () => {
    // Read again: an update run has just rewritten the folder.
    expect(written).toEqual(
      fs
        .readdirSync(snapshotDir)
        .map((file) => path.basename(file, ".json"))
        .sort(),
    );
    for (const stack of synth.stacks) expect(written).toContain(stack.node.id);
  });

  it.each(names)("synthesizes %s as the reviewed snapshot says (UPDATE_SYNTH_SNAPSHOT=1 to accept a change)", (name) => {
    const snapshot = JSON.parse(fs.readFileSync(path.join(snapshotDir, `${name}.json`), "utf8"));
    expect(normalize(synth.stack(name))).toEqual(normalize(snapshot));
  });

  it("masks only the code asset: a change anywhere else is a difference", () => {
    const snapshot = JSON.parse(fs.readFileSync(path.join(snapshotDir, `${names[0]}.json`), "utf8"));
    const tampered = structuredClone(snapshot);
    tampered.terraform.backend.s3.key = "moved.tfstate";
    expect(normalize(tampered)).not.toEqual(normalize(snapshot));
    const providerBump = structuredClone(snapshot);
    providerBump.terraform.required_providers.aws.version = "9.9.9";
    expect(normalize(providerBump)).not.toEqual(normalize(snapshot));
  });
});
