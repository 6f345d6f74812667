// ESLint (npm run lint; test/project/lint.test.ts runs it in npm test). TypeScript with typescript-eslint's type-aware
// rules (tsconfig.test.json: the sources, the build scripts and the tests): promises nobody waits for, unused
// code, needless assertions, stringified objects, thrown non-errors. The no-unsafe-* / no-explicit-any family is
// off: hostile input (specs, bundles, API answers, kubeconfigs) is parsed as `any` at the edges and then checked
// field by field, with tests of the refusals; the rules would ask for casts that say less, not for checks.
// Also off: no-control-regex (the sanitisers match control characters on purpose: printable(), the refusals of
// hostile names), no-base-to-string (String() of a hostile value is what it shows, "[object Object]" included),
// require-await (fakes and injected clocks implement async interfaces without awaiting) and unbound-method
// (functions kept as properties, such as injected sleep and vi spies, use no `this`).
// The few plain JavaScript files get the recommended rules with Node's globals.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const node = Object.fromEntries(
  ["process", "console", "URL", "Buffer", "setTimeout", "clearTimeout", "setInterval", "clearInterval", "fetch", "AbortController"].map(
    (g) => [g, "readonly"],
  ),
);

export default tseslint.config(
  { ignores: ["generator/dist/**", "node_modules/**", "coverage/**", "out/**", "dist/**", "test/e2e/artifacts/**", "chart/**"] },
  { files: ["**/*.{js,mjs,cjs}"], ...js.configs.recommended, languageOptions: { globals: node } },
  {
    files: ["**/*.ts"],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { project: ["./tsconfig.test.json"], tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", destructuredArrayIgnorePattern: "^_" },
      ],
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-explicit-any": "off",
      "no-control-regex": "off",
      "@typescript-eslint/no-base-to-string": "off",
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/unbound-method": "off",
    },
  },
);
