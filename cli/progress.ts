/**
 * Progress output for long CLI commands. On a terminal: a bar redrawn in place (on stderr, so
 * stdout stays clean for `--json` and pipes). Otherwise (CI, pipes, files): plain lines, one
 * when a step starts and one when it ends, never carriage returns or colour codes.
 */
import { formatSeconds, type Progress, type ProgressBar } from "../demo/progress";
import { useColour } from "./command";

const codes = { green: 32, red: 31, yellow: 33, dim: 2, bold: 1 } as const;

export const createProgress = (stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv, options: { quiet?: boolean } = {}): Progress => {
  const interactive = Boolean(stream.isTTY) && env.CI === undefined && !options.quiet;
  const colour = useColour(stream, env);
  const write = (text: string) => {
    if (!options.quiet) stream.write(text);
  };
  let drawing = false;
  const clear = () => {
    if (drawing) {
      write("\r\x1b[2K");
      drawing = false;
    }
  };
  const paint: Progress["paint"] = (text, name) => (colour ? `\x1b[${codes[name]}m${text}\x1b[0m` : text);

  const bar = (label: string, total: number): ProgressBar => {
    const started = Date.now();
    let current = 0;
    let detail = "";
    let lastDraw = 0;
    let finished = false;
    const draw = (force = false) => {
      if (!interactive || finished) return;
      const now = Date.now();
      if (!force && now - lastDraw < 50) return;
      lastDraw = now;
      const width = Math.max(10, Math.min(30, (stream.columns ?? 80) - label.length - 40));
      const ratio = total > 0 ? Math.min(1, current / total) : 1;
      const filled = Math.round(ratio * width);
      // Without a known total there is nothing to fill: show the step and what it is doing.
      const text = total > 0 ? `${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${current}/${total} ${detail}` : `${label} ... ${detail}`;
      write(`\r\x1b[2K${text.slice(0, (stream.columns ?? 120) - 1)}`);
      drawing = true;
    };
    if (!interactive) write(`${label}: started${total > 0 ? ` (${total})` : ""}\n`);
    else draw(true);
    return {
      tick: (count = 1, newDetail) => {
        current += count;
        if (newDetail !== undefined) detail = newDetail;
        draw(current >= total);
      },
      done: (summary) => {
        if (finished) return;
        draw(true);
        finished = true;
        clear();
        write(`${label}: ${summary ?? "done"} (${formatSeconds(Date.now() - started)})\n`);
      },
    };
  };

  return {
    interactive,
    bar,
    line: (text) => {
      clear();
      write(`${text}\n`);
    },
    paint,
  };
};
