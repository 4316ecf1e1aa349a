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
  const sub = subscriptionOf(f, "SweepQueue");
  return {
    dispatcher: f.get("sst.aws.Function", "Dispatcher"),
    worker: f.recordOf(sub.args.subscriber),
    api: f.get("sst.aws.Function", "Api"),
    migrate: f.get("sst.aws.Function", "Migrate"),
    subscribe: sub,
  };
}

/** The one subscription of queue `name` (the worker code is subscribed to the sweep and the re-check queue). */
export function subscriptionOf(f: InfraFakes, name: string): Recorded {
  const queue = f.get("sst.aws.Queue", name).instance;
  const subs = f.ofType("sst.aws.Queue.subscribe").filter((s) => s.args.queue === queue);
  if (subs.length !== 1) throw new Error(`expected one subscription of ${name}, found ${subs.length}`);
  return subs[0] as Recorded;
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
