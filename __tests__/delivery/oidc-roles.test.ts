/** The roles the workflows assume are the ones contracts/naming.ts names and the bootstrap stack trusts. */
import { loadEnvironment } from "../../config/environments";
import { githubDeployRoleArn, githubOidcSubjects } from "../../contracts/naming";
import { githubTarget } from "../../delivery/github-target";
import { githubSubject } from "../../stacks/foundation";

describe("GitHub OIDC roles", () => {
  it.each(["dev", "staging", "prod"] as const)("%s: deploy jobs assume the bootstrap stack's deploy role", (env) => {
    const config = loadEnvironment(env);
    expect(githubTarget(env)).toEqual({ role_arn: githubDeployRoleArn(config.accountId, "acme", env), region: config.region, account_id: config.accountId });
    expect(githubTarget(env).role_arn).toBe(`arn:aws:iam::${config.accountId}:role/acme-${env}-github-deploy`);
    // The deploy role trusts exactly the subject a job in the GitHub environment `<env>` presents.
    expect(githubSubject(config)).toBe(githubOidcSubjects(config.githubRepository, env).deploy);
  });
});
