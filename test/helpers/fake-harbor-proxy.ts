// generator/scripts/bench.ts and bench-seed.ts import the fakes from here: test/fakes/harbor-proxy.ts is the module.
export * from "../fakes/harbor-proxy.js";
