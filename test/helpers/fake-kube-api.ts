// generator/scripts/bench.ts and bench-seed.ts import the fakes from here: test/fakes/kube-api.ts is the module.
export * from "../fakes/kube-api.js";
