import { api } from "./api";
import { byId } from "./dom";

/** Who the token is (`GET /admin/whoami`). */
export interface Caller {
  readonly role: "operator" | "workspace";
  readonly workspace_id: string | null;
}

/**
 * Adapts the page to the caller: a workspace token sees its workspace named, no workspace filter, and none of
 * the operator-only tabs (any `[role=tab][data-operator-only]`; the API answers those routes 403 anyway).
 * Returns the caller, or null when the token is refused (the caller of this shows the error).
 */
export async function applyCaller(): Promise<Caller | null> {
  let caller: Caller | null = null;
  try {
    caller = await api<Caller>("GET", "/admin/whoami");
  } catch {
    caller = null;
  }
  const workspace = caller?.role === "workspace";
  const banner = byId("caller");
  banner.textContent = workspace ? `Workspace ${caller?.workspace_id}: only its updates are shown.` : "";
  banner.hidden = !workspace;
  const field = document.querySelector<HTMLInputElement>("#filters [name=workspace_id]");
  if (field) {
    if (workspace) field.value = "";
    (field.closest("label") ?? field).hidden = workspace;
  }
  for (const tab of document.querySelectorAll<HTMLButtonElement>("[role=tab][data-operator-only]"))
    tab.hidden = workspace;
  return caller;
}

/** Whether a tab is hidden from this caller (an operator-only tab, for a workspace token). */
export const tabHidden = (name: string): boolean =>
  document.querySelector<HTMLButtonElement>(`[role=tab][data-tab="${CSS.escape(name)}"]`)?.hidden ?? false;
