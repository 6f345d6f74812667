// generator/scripts/bench.ts and bench-seed.ts import the fakes from here: test/fakes/harbor-api.ts is the module.
export * from "../fakes/harbor-api.js";
