import { setCleanup } from './ports.js';

/**
 * A long step shown as it runs: a spinner with the elapsed seconds, then a tick (or a cross)
 * with the time it took. yocto-spinner (sindresorhus; no dependencies, a few kB: it costs
 * nothing at start-up, where ora would load a dozen modules) draws it; it is loaded on the first
 * step only. Used only on a terminal, never with --json, CI or NO_COLOR (see cli/index.ts).
 */
export async function runTask<T>(
  stream: NodeJS.WriteStream,
  label: string,
  fn: () => Promise<T>,
): Promise<T> {
  const { default: yoctoSpinner } = await import('yocto-spinner');
  const started = Date.now();
  const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
  // Our own interrupt handler exits (and says what was under way); the spinner must not.
  const spinner = yoctoSpinner({ text: label, stream, handleSignals: false }).start();
  // On Ctrl-C the step's line ends with its cross and time, so the interrupt's message starts on
  // a line of its own (a bare stop() left the terminal's "^C" and the message on one line).
  setCleanup(() => spinner.error(`${label} (${seconds()} s)`));
  const timer = setInterval(() => {
    spinner.text = `${label} (${seconds()} s)`;
  }, 500);
  try {
    const result = await fn();
    spinner.success(`${label} (${seconds()} s)`);
    return result;
  } catch (error) {
    spinner.error(`${label} (${seconds()} s)`);
    throw error;
  } finally {
    clearInterval(timer);
    setCleanup(undefined);
  }
}
