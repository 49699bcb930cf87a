/**
 * The patched dynalite answers a failed condition as DynamoDB does when the request asks for
 * `ReturnValuesOnConditionCheckFailure: "ALL_OLD"`: the existing item comes back with the
 * ConditionalCheckFailedException, so a refused claim needs no GetItem to learn its holder.
 */
import { ConditionalCheckFailedException, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { ConfigProvider, Effect, Option } from "effect";
import { tableSpecs } from "../../contracts/tables";
import { makeDynamoHotStore } from "../../functions/kernel/live";
import { emulatorsForTests } from "../support";

jest.setTimeout(60_000);

const fixture = emulatorsForTests("dynalite-condition-failure");

const putClaim = (key: string, token: string, returnOld: boolean) =>
  fixture.aws.dynamodb.send(
    new PutItemCommand({
      TableName: fixture.emulators.tables.idempotency,
      Item: { key: { S: key }, status: { S: "in-progress" }, expires_at: { N: "4102444800" }, claim_token: { S: token } },
      ConditionExpression: "attribute_not_exists(#pk) OR #exp <= :now",
      ExpressionAttributeNames: { "#pk": "key", "#exp": "expires_at" },
      ExpressionAttributeValues: { ":now": { N: "1000" } },
      ...(returnOld ? { ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const } : {}),
    }),
  );

const failureOf = async (attempt: Promise<unknown>) => {
  const error = await attempt.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConditionalCheckFailedException);
  return error as ConditionalCheckFailedException;
};

describe("ReturnValuesOnConditionCheckFailure on the local DynamoDB", () => {
  it("returns the existing item with the failure when asked, and nothing when not asked", async () => {
    await putClaim("claim-1", "first", true);
    const asked = await failureOf(putClaim("claim-1", "second", true));
    expect(asked.Item).toEqual({ key: { S: "claim-1" }, status: { S: "in-progress" }, expires_at: { N: "4102444800" }, claim_token: { S: "first" } });
    const notAsked = await failureOf(putClaim("claim-1", "third", false));
    expect(notAsked.Item).toBeUndefined();
  });

  it("the kernel's claim learns the holder from the refused write", async () => {
    const sent: string[] = [];
    const documents = fixture.aws.documents;
    const counting = {
      send: (command: { constructor: { name: string } }, options?: unknown) => (sent.push(command.constructor.name), documents.send(command as never, options as never)),
    };
    const store = makeDynamoHotStore(() => counting as unknown as typeof documents);
    const config = ConfigProvider.fromMap(new Map([[tableSpecs.idempotency.envVar, fixture.emulators.tables.idempotency]]));
    const claim = (token: string) =>
      Effect.runPromise(
        store
          .claim("idempotency", { key: "claim-2", status: "in-progress", expires_at: 4102444800, claim_token: token }, "expires_at", 1000)
          .pipe(Effect.withConfigProvider(config)),
      );
    expect(await claim("a")).toEqual({ claimed: true });
    const second = await claim("b");
    expect(second.claimed).toBe(false);
    expect(Option.getOrUndefined((second as { holder: Option.Option<Record<string, unknown>> }).holder)?.claim_token).toBe("a");
    // Two conditional puts and no read back of the holder.
    expect(sent).toEqual(["PutCommand", "PutCommand"]);
  });
});
