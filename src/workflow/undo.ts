/**
 * The steps a command has done so far, each with how to take it back: when a later step fails,
 * they are undone last first, and what could not be undone is said, never hidden.
 */
export class UndoList {
  private readonly steps: { what: string; run: () => Promise<void> }[] = [];

  push(what: string, run: () => Promise<void>): void {
    this.steps.push({ what, run });
  }

  /** Undoes every step, last first; returns the ones that failed. */
  async undoAll(): Promise<string[]> {
    const notUndone: string[] = [];
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.run();
      } catch {
        notUndone.push(step.what);
      }
    }
    return notUndone;
  }
}
