/**
 * What a long run (the demo's stages, a replay) reports its progress to. The demo only talks to
 * this interface; cli/progress.ts draws it: a bar on a terminal, plain lines otherwise.
 */
export interface ProgressBar {
  /** Adds `count` finished units; `detail` replaces the text after the counter. */
  readonly tick: (count?: number, detail?: string) => void;
  /** Ends the bar with a closing line. */
  readonly done: (summary?: string) => void;
}

export interface Progress {
  /** Whether output is a terminal (bars) or plain lines. */
  readonly interactive: boolean;
  readonly bar: (label: string, total: number) => ProgressBar;
  /** A line of its own (clears a bar being drawn first). */
  readonly line: (text: string) => void;
  /** Colours a status word when colours are on. */
  readonly paint: (text: string, colour: "green" | "red" | "yellow" | "dim" | "bold") => string;
}

export const formatSeconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
