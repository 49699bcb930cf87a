/**
 * The move from cdktf 0.21 to CDK Terrain (cdktn 0.24) must not change what Terraform applies:
 * every stack synthesized now equals the snapshot taken with cdktf 0.21 before the move
 * (__tests__/fixtures/synth-before-cdktn/), apart from the version strings the toolchain writes
 * (the `//` metadata version, the aws provider's version) and the provider source, which cdktn
 * writes fully qualified ("hashicorp/aws" where cdktf wrote "aws"; Terraform resolves both to
 * registry.terraform.io/hashicorp/aws, so state and plans are unaffected).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { synthesize, type Synthesized } from "./helpers";

const snapshotDir = path.join(__dirname, "..", "fixtures", "synth-before-cdktn");

/** Masks exactly the toolchain-written strings the move is allowed to change. */
const normalize = (json: any): any => {
  const copy = structuredClone(json);
  if (copy["//"]?.metadata) copy["//"].metadata.version = "<cdktf/cdktn version>";
  const aws = copy.terraform?.required_providers?.aws;
  if (aws) {
    aws.version = "<provider version>";
    aws.source = String(aws.source).replace(/^(registry\.terraform\.io\/)?(hashicorp\/)?/, "");
  }
  return copy;
};

describe("the move to CDK Terrain", () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize();
  });
  afterAll(() => synth.cleanup());

  const names = fs.readdirSync(snapshotDir).map((file) => path.basename(file, ".json")).sort();

  it("has a before-snapshot for every stack it synthesizes", () => {
    expect(synth.stacks.map((stack) => stack.node.id).sort()).toEqual(names);
  });

  it.each(names)("synthesizes %s exactly as cdktf 0.21 did, apart from version strings", (name) => {
    const before = JSON.parse(fs.readFileSync(path.join(snapshotDir, `${name}.json`), "utf8"));
    expect(normalize(synth.stack(name))).toEqual(normalize(before));
  });

  it("only masks what it says: the toolchain version and the provider's version and source", () => {
    const before = JSON.parse(fs.readFileSync(path.join(snapshotDir, `${names[0]}.json`), "utf8"));
    const now = synth.stack(names[0]!);
    expect(before["//"].metadata.version).toBe("0.21.0");
    expect((now as any)["//"].metadata.version).toMatch(/^0\.24\./);
    expect(before.terraform.required_providers.aws.source).toBe("aws");
    expect((now as any).terraform.required_providers.aws.source).toBe("hashicorp/aws");
    // Anything else that differs, however small, is a real difference.
    const tampered = structuredClone(before);
    tampered.terraform.backend.s3.key = "moved.tfstate";
    expect(normalize(tampered)).not.toEqual(normalize(before));
  });
});
