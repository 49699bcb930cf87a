/**
 * Why the local lake could not be read (another process holds the data dir, or a hot-store scan
 * failed). Its own file, free of imports, so `sdp` can recognise it without loading the lake
 * reader: it prints the message, which says what to fix, and exits 1, as for `CommandFailed`.
 */
export class LakeUnreadable extends Error {
  readonly _tag = "LakeUnreadable";
}
