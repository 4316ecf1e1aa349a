import { byId } from "./dom";

/** What the operator confirmed in the decision dialog. */
export interface Confirmed {
  readonly reason?: string;
  readonly until?: string;
}

const UNTIL_DAYS: Record<string, number> = { "1d": 1, "7d": 7, "30d": 30, "90d": 90 };

/**
 * Asks for confirmation in the page's modal dialog (keyboard: Tab through, Enter confirms, Escape cancels).
 * Dismissals ask for a reason and how long the dismissal holds. Resolves null when cancelled.
 */
export function confirmDecision(options: {
  title: string;
  message: string;
  warning?: string;
  dismiss: boolean;
  confirmLabel: string;
}): Promise<Confirmed | null> {
  const dialog = byId<HTMLDialogElement>("decide");
  byId("decide-title").textContent = options.title;
  byId("decide-message").textContent = options.message;
  const warning = byId("decide-warning");
  warning.textContent = options.warning ?? "";
  warning.hidden = !options.warning;
  byId("decide-dismiss-fields").hidden = !options.dismiss;
  const reason = byId<HTMLTextAreaElement>("decide-reason");
  const until = byId<HTMLSelectElement>("decide-until");
  reason.value = "";
  until.value = "";
  const ok = byId<HTMLButtonElement>("decide-ok");
  ok.textContent = options.confirmLabel;
  return new Promise((resolve) => {
    const done = (result: Confirmed | null) => {
      dialog.removeEventListener("close", onClose);
      ok.removeEventListener("click", onOk);
      if (dialog.open) dialog.close();
      resolve(result);
    };
    const onClose = () => done(null);
    const onOk = (event: Event) => {
      event.preventDefault();
      const days = UNTIL_DAYS[until.value];
      const text = reason.value.trim();
      done({
        ...(options.dismiss && text ? { reason: text.slice(0, 500) } : {}),
        ...(options.dismiss && days ? { until: new Date(Date.now() + days * 86_400_000).toISOString() } : {}),
      });
    };
    dialog.addEventListener("close", onClose);
    ok.addEventListener("click", onOk);
    dialog.showModal();
    (options.dismiss ? reason : ok).focus();
  });
}
