export * from "./authenticate";
export * from "./principal";
export * from "./token-routes";
export * from "./token-secret";
