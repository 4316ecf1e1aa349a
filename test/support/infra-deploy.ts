/**
 * Evaluating infra/ for a stage with the recording fakes (infra-fakes.ts), and reading what it recorded: shared by
 * the infra test files. Call `uninstallInfra` after each test (`afterEach(uninstallInfra)`).
 */
import { deploy } from "../../infra";
import { type InfraFakes, installInfraFakes, type Recorded, resolve } from "./infra-fakes";

let current: InfraFakes | undefined;

/** Removes the fakes of the last deployStage (or installInfra) call. */
export function uninstallInfra(): void {
  current?.uninstall();
  current = undefined;
}

/** Installs the fakes for a stage (for tests that evaluate sst.config.ts themselves). */
export function installInfra(stage: string): InfraFakes {
  uninstallInfra();
  current = installInfraFakes(stage);
  return current;
}

/** Evaluates infra/ for a stage with the given deploy-time environment. */
export function deployStage(stage: string, env: Record<string, string> = {}) {
  const fakes = installInfra(stage);
  const outputs = deploy(env);
  return { fakes, outputs };
}

/** The recorded Function args per service, the worker's coming from `queue.subscribe`. */
export function functionsOf(f: InfraFakes) {
  const subscribe = f.ofType("sst.aws.Queue.subscribe");
  if (subscribe.length !== 1) throw new Error(`expected one queue subscription, found ${subscribe.length}`);
  const sub = subscribe[0] as Recorded;
  const worker = f.recordOf(sub.args.subscriber);
  return {
    dispatcher: f.get("sst.aws.Function", "Dispatcher"),
    worker,
    api: f.get("sst.aws.Function", "Api"),
    migrate: f.get("sst.aws.Function", "Migrate"),
    subscribe: sub,
  };
}

/** A function's environment, resolved. */
export function env(record: Recorded): Record<string, string> {
  return resolve(record.args.environment) as Record<string, string>;
}

/** A function's IAM statements, resolved. */
export function permissionResources(record: Recorded): { actions: string[]; resources: string[] }[] {
  return (resolve(record.args.permissions) as { actions: string[]; resources: string[] }[] | undefined) ?? [];
}

/** "N seconds" / "N minutes" in seconds. */
export function seconds(duration: unknown): number {
  const match = /^(\d+) (second|seconds|minute|minutes)$/.exec(String(duration));
  if (!match) throw new Error(`not a duration: ${String(duration)}`);
  return Number(match[1]) * (match[2]?.startsWith("minute") ? 60 : 1);
}
