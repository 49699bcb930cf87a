/**
 * Runs in every test file before its tests. cdktn captures a full stack trace for every token it
 * creates (`creationStack`), only ever shown in the message of a token resolution error; in a
 * synth of the 21 stacks that is more than half of the construction time (9.2 s of 15 s CPU,
 * measured). Tests synthesize dozens of times, so they skip it; `npm run synth` and deploys keep it.
 */
process.env.CDKTN_DISABLE_CREATION_STACK ??= "1";
