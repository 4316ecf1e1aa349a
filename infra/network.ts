import type { StageSettings } from "./stage";

/** What a function needs to run inside the network: the shape `sst.aws.Function` accepts for `vpc`. */
export type FunctionNetwork =
  | sst.aws.Vpc
  | { readonly privateSubnets: string[]; readonly securityGroups: string[] };

/**
 * The VPC the functions and the bundled database live in.
 *
 * The functions must reach GitHub (public internet), SQS, Secrets Manager and EventBridge from private subnets.
 * A NAT covers all four; interface endpoints alone could not reach GitHub, so they would only add cost.
 * With the platform's database (`DRIFT_DATABASE=external`) the functions join the platform's subnets instead.
 */
export function createNetwork(settings: StageSettings): {
  vpc: sst.aws.Vpc | undefined;
  functions: FunctionNetwork;
} {
  if (settings.database.kind === "external") {
    return {
      vpc: undefined,
      functions: {
        privateSubnets: [...settings.database.privateSubnets],
        securityGroups: [...settings.database.securityGroups],
      },
    };
  }
  const vpc = new sst.aws.Vpc("Vpc", {
    // Two AZs: RDS needs a subnet group spanning two; a managed NAT per AZ in production.
    az: 2,
    nat: settings.nat,
  });
  return { vpc, functions: vpc };
}
