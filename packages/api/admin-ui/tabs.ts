/**
 * The page's tabs (WAI-ARIA tabs pattern: a tablist of role=tab buttons with roving tabindex, arrow keys, Home and
 * End moving and selecting, one role=tabpanel). A view registers itself in ONE line:
 *
 *   registerTab({ id: "rollouts", label: "Rollouts", operatorOnly: true, empty: "No rollouts.", load });
 *
 * `operatorOnly` tabs carry `data-operator-only`: access.ts hides them for a workspace-scoped token. The selected tab and the
 * filters live in the URL (`?tab=history&repository=lint`), so a view can be linked to.
 */

export interface TabSpec {
  readonly id: string;
  readonly label: string;
  /** Shown only to an operator (hidden for a workspace-scoped token). */
  readonly operatorOnly?: boolean;
  /** What an empty list means, in one sentence. */
  readonly empty: string;
  /** The cards of this view for the filter query (URL-encoded: drift_kind, repository, workspace_id…). */
  load(query: string): Promise<HTMLElement[]>;
}

const tabs: TabSpec[] = [];

export function registerTab(spec: TabSpec): void {
  if (!tabs.some((t) => t.id === spec.id)) tabs.push(spec);
}

export const registeredTabs = (): readonly TabSpec[] => tabs;

export function tabById(id: string | null): TabSpec {
  const visible = registeredTabs();
  return visible.find((t) => t.id === id) ?? (visible[0] as TabSpec);
}

/** Builds the tablist in `list` (a role=tablist element) for `panel`, selecting `selected`. */
export function renderTabs(
  list: HTMLElement,
  panel: HTMLElement,
  selected: string,
  onSelect: (id: string) => void,
) {
  const buttons = registeredTabs().map((t) => {
    const b = document.createElement("button");
    b.type = "button";
    b.id = `tab-${t.id}`;
    b.dataset.tab = t.id;
    b.setAttribute("role", "tab");
    b.setAttribute("aria-controls", panel.id);
    // access.ts hides these for a workspace token.
    if (t.operatorOnly) b.setAttribute("data-operator-only", "");
    b.textContent = t.label;
    b.addEventListener("click", () => onSelect(t.id));
    return b;
  });
  list.replaceChildren(...buttons);
  list.onkeydown = (event: KeyboardEvent) => {
    const shown = buttons.filter((b) => !b.hidden);
    const at = shown.indexOf(document.activeElement as HTMLButtonElement);
    if (at < 0) return;
    const last = shown.length - 1;
    const to =
      event.key === "ArrowRight"
        ? (at + 1) % shown.length
        : event.key === "ArrowLeft"
          ? (at + last) % shown.length
          : event.key === "Home"
            ? 0
            : event.key === "End"
              ? last
              : -1;
    if (to < 0) return;
    event.preventDefault();
    shown[to]?.focus();
    onSelect(shown[to]?.dataset.tab ?? "");
  };
  markSelected(list, panel, selected);
}

/** aria-selected and the roving tabindex on the tabs; the panel labelled by the selected one. */
export function markSelected(list: HTMLElement, panel: HTMLElement, selected: string): void {
  for (const b of list.querySelectorAll<HTMLButtonElement>("[role=tab]")) {
    const on = b.dataset.tab === selected;
    b.setAttribute("aria-selected", String(on));
    b.tabIndex = on ? 0 : -1;
  }
  panel.setAttribute("aria-labelledby", `tab-${selected}`);
}

/** Sets a tab's label with its count ("Pending (12)"). */
export function setTabCount(list: HTMLElement, id: string, count: number | null): void {
  const b = list.querySelector<HTMLButtonElement>(`[data-tab="${id}"]`);
  const spec = tabs.find((t) => t.id === id);
  if (b && spec) b.textContent = count === null ? spec.label : `${spec.label} (${count})`;
}
