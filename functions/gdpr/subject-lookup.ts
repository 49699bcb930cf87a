/**
 * The redaction's reads and deletes of the subject index, through functions/gdpr/subject-index.ts
 * `resolveSubject` (links followed, so an e-mail finds what was indexed under the customer id it
 * came with). `forgetSubject` deletes every entry reached, the links last: a crash part-way leaves
 * the links, so a retry still reaches every key.
 */
import { Effect } from "effect";
import { SubjectIndex } from "../kernel/subject-index";
import type { SubjectIdentifier } from "./subject";
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
