import * as fs from "node:fs";
import { generatedDocs, renderLineage } from "../../etl/docs";
import { transforms } from "../../etl/transforms";

test("the committed data dictionary and lineage are what etl/docs.ts generates (run `npx tsx etl/docs.ts`)", () => {
  for (const { file, content } of generatedDocs()) {
    expect({ file, content: fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "" }).toEqual({ file, content });
  }
});

test("the dictionary documents every output column and the lineage draws every input edge", () => {
  const [dictionary] = generatedDocs();
  for (const spec of transforms) for (const column of spec.columns) expect(dictionary!.content).toContain(`| \`${column.name}\` | ${column.type} |`);
  const lineage = renderLineage();
  for (const spec of transforms) for (const input of spec.inputs) expect(lineage).toContain(`${input} --> ${spec.name}`);
});
