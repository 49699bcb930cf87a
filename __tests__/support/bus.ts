/**
 * The platform bus as tests drive it: which processor a published event reaches (contracts/events.ts
 * routes). Apart from the support index (./index.ts) because it loads every processor.
 */
import { routes } from "../../contracts/events";
import type { BusEnvelope } from "../../functions/kernel/function-shape";
import { matchesPattern } from "../../local/event-pattern";
import { loadEventFunction, type AnyEventProgram } from "../../local/functions";

/** The processor program the rules of the envelope's bus route it to. */
export const processorFor = (envelope: BusEnvelope): AnyEventProgram => {
  const bus = String(envelope.source).startsWith("aws.partner/") ? "partner" : "platform";
  const route = routes.find((candidate) => candidate.bus === bus && matchesPattern(candidate.pattern, envelope as unknown as Record<string, unknown>));
  if (!route) throw new Error(`no route for ${envelope.source} / ${envelope["detail-type"]}`);
  const loaded = loadEventFunction(route.processor);
  if (!loaded || !loaded.ok) throw new Error(`processor ${route.processor} does not load`);
  return loaded.program;
};
