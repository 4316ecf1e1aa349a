/// <reference path="./.sst/platform/config.d.ts" />
// Tiny on purpose: app settings here, every resource in infra/ (one concern per file).
export default $config({
  async app(input) {
    const { isProductionStage } = await import("./infra/stage");
    const production = isProductionStage(input?.stage ?? "");
    return {
      name: "plugin-drift-sweeper",
      removal: production ? "retain" : "remove",
      protect: production,
      home: "aws",
    };
  },
  async run() {
    const { deploy } = await import("./infra");
    return deploy();
  },
});
