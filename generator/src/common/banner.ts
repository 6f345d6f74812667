// The header every generated artefact carries.
export const GENERATED_NOTICE = "generated — do not edit; run npm run generate";

export function banner(comment: "//" | "#"): string {
  return `${comment} ${GENERATED_NOTICE}\n${comment} source: schemas/harbor-config.schema.json`;
}
