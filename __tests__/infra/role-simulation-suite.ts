/**
 * The jest side of the IAM simulation harness (role-simulation.ts), which the *-iam tests share:
 * the staging synthesis a describe block simulates on (synthesized once, cleaned up after), the
 * roles it picks from it, and the two checks each test makes: every call the code makes is
 * allowed, and each neighbouring call it must not make is implicitly denied (nothing grants it).
 */
import type { Decision } from "../../policies/ci-simulation";
import { fixtureHandler, synthesize, type Synthesized } from "./helpers";
import { asCases, functionRoleSimulator, type Call, type FunctionRole } from "./role-simulation";

/** Synthesizes the staging stacks in the enclosing block's beforeAll; the getter is for later hooks and tests. */
export const stagingSynthesis = (timeout?: number): (() => Synthesized) => {
  let synth: Synthesized | undefined;
  beforeAll(() => {
    synth = synthesize({ environments: ["staging"], functionEntry: () => fixtureHandler });
  }, timeout);
  afterAll(() => synth?.cleanup());
  return () => {
    if (synth === undefined) throw new Error("the staging synthesis is made in beforeAll: read it in a later hook or a test");
    return synth;
  };
};

export type Decide = (call: Call) => Promise<Decision>;

/**
 * decide(call) for each named role, on a staging synthesis of the enclosing block. The roles may
 * depend on the synthesis (a resolver that reads synthesized names). Their policies are found in
 * beforeAll, so a role's decide may be taken at definition time and called in a test.
 */
export const simulatedRoles = <Name extends string>(roles: Record<Name, FunctionRole> | ((synth: Synthesized) => Record<Name, FunctionRole>), timeout?: number) => {
  const synth = stagingSynthesis(timeout);
  const decides = new Map<string, Decide>();
  beforeAll(() => {
    const found: Record<string, FunctionRole> = typeof roles === "function" ? roles(synth()) : roles;
    for (const [name, role] of Object.entries(found)) decides.set(name, functionRoleSimulator(synth(), role));
  });
  return (name: Name): Decide =>
    (call) => {
      const decide = decides.get(name);
      if (decide === undefined) throw new Error(`no simulated role ${name} (roles: ${[...decides.keys()].join(", ")})`);
      return decide(call);
    };
};

/** decide(call) on one role, on a staging synthesis of the enclosing block. */
export const simulatedRole = (role: FunctionRole, timeout?: number): Decide => simulatedRoles({ role }, timeout)("role");

/** One test a call: each allowed call simulated "Allowed", each denied one "ImplicitlyDenied". Titles start with `subject`. */
export const itDecides = (decide: Decide, { allowed, denied }: { readonly allowed: ReadonlyArray<Call>; readonly denied: ReadonlyArray<Call> }, subject = "") => {
  it.each(asCases(allowed))(`${subject}allows $action on $resource`, async ({ call }) => {
    expect(await decide(call)).toBe("Allowed");
  });
  it.each(asCases(denied))(`${subject}denies $action on $resource`, async ({ call }) => {
    expect(await decide(call)).toBe("ImplicitlyDenied");
  });
};
