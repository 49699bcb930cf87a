import { PassThrough } from "node:stream";
import { runCli } from "../../cli/main";
import type { LakeDir } from "../../etl/lake";
import { makeLake, putOrderEvent, removeLake, shopifyOrder } from "../fixtures/lake/builder";

const capture = () => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk) => (out += chunk));
  stderr.on("data", (chunk) => (err += chunk));
  return { io: { stdout, stderr, env: { ...process.env }, cwd: process.cwd() }, out: () => out, err: () => err };
};

const sdp = async (...argv: string[]) => {
  const c = capture();
  const code = await runCli(argv, c.io);
  return { code, out: c.out(), err: c.err() };
};

let lake: LakeDir;
beforeAll(() => {
  lake = makeLake();
  for (const [index, day] of ["2026-04-01", "2026-04-02", "2026-04-03"].entries()) {
    for (let i = 0; i < 3; i += 1) {
      const number = 100 + index * 3 + i;
      // Order 104 never arrived: a gap.
      if (number === 104) continue;
      putOrderEvent(lake, `${day}T12:00:00Z`, shopifyOrder({ id: number, number, createdAt: `${day}T10:0${i}:00Z`, customerId: 1 }));
    }
  }
});
afterAll(() => removeLake(lake));

test("sdp etl builds the table and reports it; --json gives the result", async () => {
  const text = await sdp("etl", "--date", "2026-04-03", "--full", "--data-dir", lake.root);
  expect(text.code).toBe(0);
  expect(text.out).toContain("orders_enriched (full, 2026-04-03): 8 orders; 3 partition(s) written");
  const json = await sdp("etl", "--date", "2026-04-03", "--data-dir", lake.root, "--json");
  expect(json.code).toBe(0);
  expect(JSON.parse(json.out)).toMatchObject({ mode: "incremental", orders: 8 });
});

test("sdp etl and sdp dq reject bad usage with exit 2 and say what to fix", async () => {
  expect(await sdp("etl", "--data-dir", lake.root)).toMatchObject({ code: 2, err: expect.stringContaining("--date is required") });
  expect(await sdp("etl", "--date", "2026-02-30", "--data-dir", lake.root)).toMatchObject({ code: 2, err: expect.stringContaining("not a real calendar date") });
  expect(await sdp("dq", "--data-dir", "/nonexistent/lake")).toMatchObject({ code: 2, err: expect.stringContaining("does not exist") });
  expect(await sdp("etl", "--date", "2026-04-03", "--env", "prod", "--data-dir", lake.root)).toMatchObject({ code: 2 });
  expect(await sdp("dq", "--bogus")).toMatchObject({ code: 2 });
});

test("sdp dq exits 1 on an error-severity failure and lists the missing order numbers", async () => {
  const result = await sdp("dq", "--date", "2026-04-03", "--data-dir", lake.root);
  expect(result.code).toBe(1);
  expect(result.out).toMatch(/FAIL order-number-gaps\s+shopify\/orders: 1 order number\(s\) missing \(missed webhooks\?\): 104/);
  expect(result.out).toContain("days to backfill: 2026-04-02");
  const json = await sdp("dq", "--date", "2026-04-03", "--data-dir", lake.root, "--json");
  expect(JSON.parse(json.out).summary.errors).toBe(1);
});
