// Palette's registry-info Secret follows the admin password: after a rotation that helm did not render (an
// auth.existingSecret changed by, say, External Secrets) its SPECTRO_USER_PASSWORD would still hold the old
// one (chart/templates/registry-info-secret.yaml). With REGISTRY_INFO_SECRET and REGISTRY_INFO_NAMESPACE,
// configure merge-patches that key to the password Harbor has now, and writes nothing when it already holds it.
import { warn, type Run } from "./context.js";
import { kubeStatus, patchSecret, readSecret } from "./kube.js";

/** The keys of registry-info (chart/templates/registry-info-secret.yaml). */
export const REGISTRY_INFO_USER = "SPECTRO_USER";
export const REGISTRY_INFO_PASSWORD = "SPECTRO_USER_PASSWORD";

export async function syncRegistryInfo(run: Run): Promise<void> {
  const i = run.input;
  if (!i.registryInfoSecret) return;
  const where = `Secret ${i.registryInfoSecret} in namespace ${i.registryInfoNamespace}`;
  if (!run.kube) return warn(run, `REGISTRY_INFO_SECRET is set but there is no cluster access; ${where} was not checked`);
  let have: Record<string, string> | undefined;
  try {
    have = await readSecret(run, i.registryInfoNamespace, i.registryInfoSecret);
  } catch (e) {
    return warn(run, `cannot read ${where} (HTTP ${kubeStatus(e)}); registry-info may hold an old admin password`);
  }
  if (!have) return warn(run, `${where} does not exist; registry-info cannot follow the admin password`);
  if (have[REGISTRY_INFO_PASSWORD] === i.password) return;
  const e = await patchSecret(run, i.registryInfoNamespace, i.registryInfoSecret, { [REGISTRY_INFO_PASSWORD]: i.password });
  if (e)
    return warn(
      run,
      `could not update ${REGISTRY_INFO_PASSWORD} of ${where} (HTTP ${kubeStatus(e)}); Palette pulls with an old admin password`,
    );
  run.say(`registry-info: ${REGISTRY_INFO_PASSWORD} of ${where} set to the applied admin password`);
}
