// Names of the objects our chart renders. Upstream is pointed at them statically through its
// existingSecret / existingClaim / secretName values, so they do not depend on the release name.
// npm run generate writes the chart's helpers for them into chart/templates/_generated.tpl (generator/scripts/codegen/chart-tables.ts).
export const NAMES = {
  /** upstream fullnameOverride: its objects are harbor-core, harbor-database, ... whatever the release is called */
  upstreamFullname: "harbor",
  /** upstream's own nginx Service, kept ClusterIP under a name that cannot collide with ours */
  upstreamNginxService: "harbor-nginx",
  /** our exposure Service (NodePort / LoadBalancer / ClusterIP) */
  service: "harbor",
  tlsSecret: "harbor-tls",
  caSecret: "harbor-edge-ca",
  adminSecret: "harbor-edge-admin",
  coreSecret: "harbor-edge-core",
  jobserviceSecret: "harbor-edge-jobservice",
  registrySecret: "harbor-edge-registry",
  databaseSecret: "harbor-edge-database",
  registryInfoSecret: "registry-info",
  pvc: {
    registry: "harbor-edge-registry",
    jobservice: "harbor-edge-jobservice",
    database: "harbor-edge-database",
    redis: "harbor-edge-redis",
    trivy: "harbor-edge-trivy",
  },
} as const;

/** Keys inside our Secrets, as upstream expects them. */
export const KEYS = {
  adminPassword: "HARBOR_ADMIN_PASSWORD",
  coreSecret: "secret",
  csrfKey: "CSRF_KEY",
  secretKey: "secretKey",
  jobserviceSecret: "JOBSERVICE_SECRET",
  registryHttpSecret: "REGISTRY_HTTP_SECRET",
  registryPassword: "REGISTRY_PASSWD",
  registryHtpasswd: "REGISTRY_HTPASSWD",
  databasePassword: "password",
} as const;

/** The registry user upstream's core and jobservice log in to the registry with (not a secret). */
export const REGISTRY_USER = "harbor_registry_user";
