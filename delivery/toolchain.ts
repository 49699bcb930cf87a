/**
 * Tool versions and binaries that delivery depends on, in one place: the workflows, atlantis.yaml
 * and `sdp deploy` read them from here and a test keeps the workflow files in step.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** Terraform the CI jobs and Atlantis run; keep in step with what developers use locally. */
export const terraformVersion = "1.11.4";
/** Node major of the npm scripts (the `node@22` dev dependency). */
export const nodeMajor = "22";

export const repoRoot = path.resolve(__dirname, "..");

const isExecutable = (file: string) => {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
};

/**
 * Where `name` would run from: the project's node_modules/.bin first (cdktn-cli is a dev
 * dependency), then PATH. Undefined when absent.
 */
export const locateBinary = (name: string, env: NodeJS.ProcessEnv, root: string = repoRoot): string | undefined => {
  const candidates = [
    path.join(root, "node_modules", ".bin", name),
    ...(env.PATH ?? "")
      .split(path.delimiter)
      .filter(Boolean)
      .map((dir) => path.join(dir, name)),
  ];
  return candidates.find(isExecutable);
};
