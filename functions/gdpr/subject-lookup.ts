/**
 * The redaction's reads and deletes of the subject index, through functions/gdpr/subject-index.ts
 * `resolveSubject` (links followed, so an e-mail finds what was indexed under the customer id it
 * came with). `forgetSubject` deletes every entry reached, the links last: a crash part-way leaves
 * the links, so a retry still reaches every key. `subjectKeysOf` gives the keyed hashes a
 * completed request keeps in place of the identifiers (requests.ts `completeRequest`).
 */
import { Effect } from "effect";
import { Transient } from "../kernel/errors";
import { SubjectIndex } from "../kernel/subject-index";
import { subjectKey, type SubjectIdentifier } from "./subject";
import { lookupSubject, resolveSubject } from "./subject-index";

export const lookupLocations = (identifiers: ReadonlyArray<SubjectIdentifier>) => lookupSubject(identifiers);

/** Deletes every index entry of the identifiers (and of what they link to); answers how many. */
export const forgetSubject = (identifiers: ReadonlyArray<SubjectIdentifier>) =>
  Effect.gen(function* () {
    const { entries } = yield* resolveSubject(identifiers);
    const unique = new Map(entries.map((entry) => [`${entry.subject_key}\u0000${entry.location_id}`, entry]));
    const all = [...unique.values()];
    const isLink = (entry: { readonly location_id: string }) => entry.location_id.startsWith("link#");
    const keys = [...all.filter((entry) => !isLink(entry)), ...all.filter(isLink)].map(({ subject_key, location_id }) => ({ subject_key, location_id }));
    yield* Effect.flatMap(SubjectIndex, (index) => index.remove(keys));
    return keys.length;
  });

/** The keyed hashes (subject keys) of the identifiers: what the request record keeps once complete, never the values. */
export const subjectKeysOf = (identifiers: ReadonlyArray<SubjectIdentifier>) =>
  Effect.gen(function* () {
    const index = yield* SubjectIndex;
    const key = yield* Effect.mapError(index.indexKey, (error) => new Transient({ service: "secrets", reason: `the subject index key is unavailable: ${error.reason}` }));
    return [...new Set(identifiers.map((identifier) => subjectKey(identifier, key)))];
  });
