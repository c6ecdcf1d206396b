/**
 * The steps a command has done so far, each with how to take it back: when a later step fails,
 * they are undone last first, and what could not be undone is said, never hidden.
 */
export class UndoList {
  private readonly steps: { what: string; run: () => Promise<void>; command: string | undefined }[] = [];

  /** `command`: what a person runs to do the same by hand, said when `run` fails. */
  push(what: string, run: () => Promise<void>, command?: string): void {
    this.steps.push({ what, run, command });
  }

  /** Undoes every step, last first; returns the ones that failed. */
  async undoAll(): Promise<string[]> {
    const notUndone: string[] = [];
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.run();
      } catch {
        notUndone.push(step.command ? `${step.what} (${step.command})` : step.what);
      }
    }
    return notUndone;
  }
}
