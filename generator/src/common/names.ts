// Names of the objects our chart renders, one table for TypeScript and the chart: npm run generate writes it into
// chart/files/names.json (generator/scripts/codegen/chart-tables.ts), which the templates read through
// harbor-edge.name (chart/templates/_helpers.tpl); no template writes one of these names again. Upstream is
// pointed at ours statically through its existingSecret / existingClaim / secretName values, so they do not
// depend on the release name.
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
  /** the chart's own name (chart/Chart.yaml), its app.kubernetes.io/name label and the pack's name */
  chart: "harbor-edge-native-config",
  /** the subject of the CA the chart (or `harbor-edge secrets`) generates, kept in caSecret */
  caCommonName: "harbor-edge-ca",
  /** the configuration step: its Job (with the revision), ServiceAccount, Role, RoleBinding, and the source of its Events */
  configure: "harbor-edge-configure",
  /** the CronJob that reruns the configuration step */
  configurePeriodic: "harbor-edge-configure-periodic",
  /** the Secret the configuration step keeps its state in */
  configureState: "harbor-edge-configure-state",
  /** the report: its CronJob (whose environment is the contract with a report run from outside), Job (with the revision), ServiceAccount, Role, RoleBinding, and the source of its Events */
  report: "harbor-edge-report",
  /** the Secret holding the report's robot account */
  reportRobotSecret: "harbor-edge-report-robot",
  /** the ConfigMap the report writes its result into */
  statusConfigMap: "harbor-edge-status",
  /** the Role and RoleBinding that let the report read the node check's ConfigMaps */
  reportNodeCheck: "harbor-edge-report-node-check",
  /** the node check: its DaemonSet, ServiceAccount, Role and RoleBinding; with "-" and the node, its per-node ConfigMaps */
  nodeCheck: "harbor-edge-node-check",
  /** the node-mirror DaemonSet, its ServiceAccount, Role, RoleBinding and the ConfigMap of the containerd host files */
  nodeMirror: "harbor-edge-node-mirror",
  /** the ConfigMap of the node-mirror script */
  nodeMirrorScript: "harbor-edge-node-mirror-script",
  /** the copy of the CA in the node-mirror namespace */
  nodeMirrorCa: "harbor-edge-node-mirror-ca",
  /** the opt-in NetworkPolicy around Harbor's internals */
  networkPolicy: "harbor-edge-internal",
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
