/**
 * The whole deployment, one concern per file. sst.config.ts calls `deploy()` inside `run()`; the tests call it
 * with recording fakes of the SST globals (test/support/infra-fakes.ts).
 */
import { createDatabase } from "./database";
import { createEventBus } from "./events";
import { createApi } from "./functions/api";
import { createDispatcher } from "./functions/dispatcher";
import { createMigration } from "./functions/migrate";
import { createRecheckWorker, createWorker } from "./functions/worker";
import { createDispatcherMemoryAlarm } from "./memory-alarm";
import { createNetwork } from "./network";
import { createObservability } from "./observability";
import { createQueues } from "./queue";
import { createRolloutTicker } from "./rollouts";
import { createSchedule } from "./schedule";
import { createSecrets } from "./secrets";
import { stageSettings } from "./stage";
import { createWebhook } from "./webhook";

/** Creates every resource of the stage and returns the outputs `sst deploy` prints. */
export function deploy(env: Readonly<Record<string, string | undefined>> = process.env) {
  const settings = stageSettings($app.stage, env);
  const network = createNetwork(settings);
  const databases = createDatabase(settings, network.vpc);
  const ctx = { settings, network: network.functions, databases };

  const secrets = createSecrets(settings);
  const bus = createEventBus();
  const { queue, recheckQueue, dlq } = createQueues();

  // Migrations first: nothing below should run against a schema it does not have.
  const migration = createMigration(ctx, [databases.owner, databases.app]);
  const afterMigration = { ...ctx, after: [migration.invocation] };
  const dispatcher = createDispatcher(afterMigration, queue, bus, secrets.github);
  const worker = createWorker(
    afterMigration,
    { consumes: queue, requeuesTo: recheckQueue },
    secrets.github,
    bus,
  );
  const api = createApi(afterMigration, bus, secrets.adminToken, recheckQueue);
  // Webhook re-checks have a path of their own: no batching window between a push and its re-check.
  const recheckWorker = createRecheckWorker(afterMigration, recheckQueue, secrets.github, bus);
  const webhook = createWebhook(afterMigration, recheckQueue);
  createSchedule(settings, dispatcher);
  const rollouts = createRolloutTicker(afterMigration, bus);

  const observability = createObservability(settings, {
    dispatcherFunctionName: dispatcher.name,
    workerFunctionName: worker.functionName,
    apiFunctionName: api.name,
    queueName: queue.nodes.queue.name,
    dlqName: dlq.nodes.queue.name,
  });
  createDispatcherMemoryAlarm(settings, dispatcher, observability.topic.arn);

  return {
    apiUrl: api.url,
    webhookUrl: webhook.url,
    webhookSecretArn: webhook.secret.arn,
    adminAuth: settings.adminAuth,
    scheduleEnabled: settings.scheduleEnabled,
    dispatcherFunctionName: dispatcher.name,
    rolloutTickerFunctionName: rollouts.function.name,
    queueUrl: queue.url,
    recheckQueueUrl: recheckQueue.url,
    recheckWorkerFunctionName: recheckWorker.functionName,
    dlqUrl: dlq.url,
    dlqArn: dlq.arn,
    eventBusName: bus.name,
    githubSecretArn: secrets.github.arn,
    adminTokenSecretArn: secrets.adminToken.arn,
    appDbSecretArn: databases.appSecret?.arn,
    alarmTopicArn: observability.topic.arn,
    dashboard: observability.dashboard.dashboardName,
    migrationResult: migration.invocation.result,
  };
}
