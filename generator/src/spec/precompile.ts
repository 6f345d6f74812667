// Run by npm run build after tsc: writes the precompiled spec validator (see schema.ts) into generator/dist/spec/.
import fs from "node:fs";
import { SPEC_SCHEMA } from "../paths.js";
import { PRECOMPILED, precompiledSource } from "./schema.js";

const tmp = `${PRECOMPILED}.${process.pid}.tmp`;
fs.writeFileSync(tmp, precompiledSource(fs.readFileSync(SPEC_SCHEMA, "utf8")));
fs.renameSync(tmp, PRECOMPILED);
