// generated — do not edit; run npm run generate
// source: schemas/harbor-config.schema.json

/**
 * The harbor-config pack spec: everything a user sets to run Harbor on an Edge cluster. The same block is used by helm install, the Palette pack and Terraform.
 */
export interface HarborConfig {
  auth?: Auth;
  cluster?: Cluster;
  service?: Service;
  storage?: Storage;
  database?: Database;
  redis?: Redis;
  trivy?: Trivy;
  replicas?: Replicas;
  network?: Network;
  networkPolicy?: NetworkPolicy;
  nodeMirror?: NodeMirror;
  registryInfo?: RegistryInfo;
  report?: Report;
  /**
   * Harbor projects the post-install Job makes sure exist. A public project is pulled anonymously, with no imagePullSecret. library is public; spectro-images holds the cluster's images.
   *
   * @maxItems 100
   */
  projects?: Project[];
  proxyCache?: ProxyCache;
  configJob?: ConfigJob;
  image?: Image;
}
/**
 * Credentials of the Harbor admin user and the TLS certificate Harbor serves.
 */
export interface Auth {
  /**
   * Password of the Harbor user admin (the user name cannot be changed). Empty: a random password (24 characters with upper, lower and digits) is generated once, kept across upgrades, and written to the registry-info Secret. A given password must follow Harbor's policy: 8-128 characters with at least one upper-case letter, one lower-case letter and one digit. A Palette macro such as {{.spectro.macro.harbor_password}} keeps it out of the profile.
   */
  password?: string;
  /**
   * Name of a Secret in the release namespace that already holds the admin password (for example written by External Secrets from 1Password). Mutually exclusive with password.
   */
  existingSecret?: string;
  /**
   * Key inside existingSecret that holds the password.
   */
  existingSecretKey?: string;
  certs?: Certs;
}
/**
 * TLS certificate Harbor serves on the https port. Empty crt and key: a CA and a server certificate are generated and kept across upgrades. Its subject alternative names must include cluster.hostname and cluster.vip. Stored in the Secret harbor-tls of the release namespace.
 */
export interface Certs {
  /**
   * Server certificate in PEM, optionally followed by its intermediate certificates.
   */
  crt?: string;
  /**
   * Private key of crt in PEM (PKCS#1, PKCS#8 or SEC1).
   */
  key?: string;
  /**
   * Certificate of the CA that issued crt, in PEM. Optional; offered for download in the web UI and written to ca.crt of harbor-tls.
   */
  ca?: string;
  /**
   * Additional DNS names or IP addresses put into a generated certificate, next to cluster.hostname, cluster.vip and the in-cluster service names.
   *
   * @maxItems 64
   */
  extraSANs?: string[];
  /**
   * Validity of a generated server certificate, in days: about a year by default, at most 825 (Apple platforms reject TLS server certificates valid for longer, even from a private CA). Any helm install or upgrade within 30 days of its expiry signs a new one with the same CA, so nodes that trust the CA need nothing new; harbor-tls records the expiry in its annotation harbor-edge.io/not-after.
   */
  validityDays?: number;
  /**
   * Validity of the generated CA (harbor-edge-ca), in days. Ten years by default: nodes trust the CA, and an Edge site may run for years without anyone to hand out a new one.
   */
  caValidityDays?: number;
}
/**
 * Facts about the Edge cluster Harbor runs on.
 */
export interface Cluster {
  /**
   * Palette cluster UID. The registry-info Secret is written to the namespace cluster-<uid>. In a Palette profile use the macro {{.spectro.system.cluster.uid}}. Empty outside Palette: no registry-info Secret is written.
   */
  uid?: string;
  /**
   * The cluster's virtual IP address (kube-vip). Put into the certificate as an IP SAN and used as the load-balancer address when service.serviceType is LoadBalancer.
   */
  vip?: string;
  /**
   * Host name clients use to reach Harbor. Palette's Edge hosts resolve spectro.registry.local to the registry; it is always a SAN of the certificate and the host of Harbor's external URL.
   */
  hostname?: string;
}
/**
 * How Harbor is exposed.
 */
export interface Service {
  /**
   * Type of the Service in front of Harbor. NodePort (default) serves https on every node at service.harbor.https.nodePort; LoadBalancer serves on cluster.vip (or an address the load balancer assigns); ClusterIP keeps Harbor inside the cluster.
   */
  serviceType?: "NodePort" | "LoadBalancer" | "ClusterIP";
  harbor?: HarborPorts;
  /**
   * Annotations for the Harbor Service, for example to request an address from MetalLB or Cilium.
   */
  annotations?: {
    [k: string]: string;
  };
  metrics?: Metrics;
}
/**
 * Ports Harbor is exposed on. https is the registry and web UI endpoint; http only redirects to https.
 */
export interface HarborPorts {
  https?: HttpsPort;
  http?: HttpPort;
}
/**
 * The https port.
 */
export interface HttpsPort {
  /**
   * Service port for https (LoadBalancer and ClusterIP clients use it).
   */
  port?: number;
  /**
   * Node port for https when serviceType is NodePort or LoadBalancer: https://NODE_IP:30003 by default.
   */
  nodePort?: number;
}
/**
 * The http port. Upstream nginx redirects http to https://HOST/ with no port, i.e. to port 443 of the address the client used, so http is exposed only where that lands on Harbor: a ClusterIP Service whose https port is 443. On NodePort and LoadBalancer (whose node ports would redirect to port 443 of a node, where nothing listens) it is not exposed; use https directly.
 */
export interface HttpPort {
  /**
   * Service port for http (ClusterIP with https port 443 only; see http).
   */
  port?: number;
  /**
   * Not used: http is not exposed on node ports, because upstream's redirect would send clients to port 443 of the node. Kept so existing specs stay valid; validate still keeps it apart from the https node port.
   */
  nodePort?: number;
}
/**
 * Prometheus metrics of Harbor.
 */
export interface Metrics {
  /**
   * Expose Prometheus metrics from core, registry, jobservice and the exporter (port 8001, path /metrics). Off by default: the exporter costs memory on a small node.
   */
  enabled?: boolean;
}
/**
 * Persistent volumes. Sizes are in GB as integers (converted to Gi); Kubernetes quantities such as 500Gi are also accepted. Defaults fit the 300 GB an Edge cluster needs: 200 for images, the rest for Harbor's own state, leaving room for other workloads.
 */
export interface Storage {
  /**
   * Size of the image store (used when backend.type is pvc). Make it large enough for every image of the cluster profile.
   */
  registry?: number | string;
  /**
   * Size of the jobservice log volume.
   */
  jobService?: number | string;
  /**
   * Size of the internal PostgreSQL volume (database.type internal).
   */
  database?: number | string;
  /**
   * Size of the internal Redis volume (redis.type internal).
   */
  redis?: number | string;
  /**
   * Size of the Trivy vulnerability database cache (trivy.enabled).
   */
  trivy?: number | string;
  /**
   * StorageClass of every volume. Empty: the cluster's default StorageClass (the CSI pack of the profile).
   */
  storageClass?: string;
  /**
   * Keep the volumes (and the generated credentials they depend on) when the release is uninstalled, so a reinstall finds its images, projects and password again.
   */
  keepOnUninstall?: boolean;
  /**
   * Give each volume to the user its pod runs as, with an init container (data-ownership) that runs as root with only CHOWN, FOWNER and DAC_OVERRIDE: for storage that ignores fsGroup (hostPath-style provisioners, some NFS), where Harbor's database would otherwise crash on its data directory's permissions. Pod Security baseline admits it, restricted does not. false: no such container, the storage must honour fsGroup; then every pod of the release namespace passes restricted (with the node-mirror DaemonSet in nodeMirror.namespace). Regenerate the values (harbor-edge values) after changing it.
   */
  fixOwnership?: boolean;
  backend?: ImageBackend;
}
/**
 * Where image blobs are stored.
 */
export interface ImageBackend {
  /**
   * pvc: a persistent volume of storage.registry GB. s3: an S3-compatible bucket (AWS, MinIO, SeaweedFS).
   */
  type?: "pvc" | "s3";
  s3?: S3Backend;
}
/**
 * S3 settings, used when type is s3.
 */
export interface S3Backend {
  /**
   * Endpoint URL of an S3-compatible service, e.g. http://seaweedfs-s3.storage.svc.cluster.local:8333. Empty: AWS S3.
   */
  endpoint?: string;
  /**
   * Bucket name.
   */
  bucket?: string;
  /**
   * Region of the bucket.
   */
  region?: string;
  /**
   * Secret in the release namespace with keys REGISTRY_STORAGE_S3_ACCESSKEY and REGISTRY_STORAGE_S3_SECRETKEY.
   */
  existingSecret?: string;
  /**
   * Serve blobs through the registry instead of redirecting clients to pre-signed URLs. Needed for SeaweedFS and for buckets the clients cannot reach.
   */
  disableRedirect?: boolean;
  /**
   * Prefix inside the bucket. Empty: the bucket root.
   */
  rootDirectory?: string;
  /**
   * Use path-style bucket addressing (most S3-compatible services need it).
   */
  forcePathStyle?: boolean;
}
/**
 * Harbor's PostgreSQL database.
 */
export interface Database {
  /**
   * internal: a PostgreSQL pod of the chart on a storage.database volume. external: an existing PostgreSQL (for example CloudNativePG).
   */
  type?: "internal" | "external";
  external?: ExternalDatabase;
}
/**
 * Connection to an external PostgreSQL, used when type is external.
 */
export interface ExternalDatabase {
  /**
   * Host name of the PostgreSQL service.
   */
  host?: string;
  /**
   * Port of the PostgreSQL service.
   */
  port?: number;
  /**
   * Database user.
   */
  username?: string;
  /**
   * Database Harbor's core uses.
   */
  database?: string;
  /**
   * Secret in the release namespace whose key password holds the user's password (CloudNativePG's <cluster>-app Secret has it).
   */
  existingSecret?: string;
  /**
   * libpq sslmode.
   */
  sslmode?: "disable" | "require" | "verify-ca" | "verify-full";
}
/**
 * Harbor's Redis cache and job queue.
 */
export interface Redis {
  /**
   * internal: a Redis pod of the chart on a storage.redis volume. external: an existing Redis-compatible server (Redis, Valkey, DragonflyDB).
   */
  type?: "internal" | "external";
  external?: ExternalRedis;
}
/**
 * Connection to an external Redis, used when type is external.
 */
export interface ExternalRedis {
  /**
   * host:port of the Redis server, or of the Sentinels (comma-separated) when sentinelMasterSet is set.
   */
  addr?: string;
  /**
   * Name of the Sentinel master set; empty for a plain Redis.
   */
  sentinelMasterSet?: string;
  /**
   * Leave empty. An ACL user name goes into the key REDIS_USERNAME of existingSecret, next to REDIS_PASSWORD: the upstream chart reads the user only from there (validate refuses a value here).
   */
  username?: string;
  /**
   * Secret in the release namespace whose key REDIS_PASSWORD holds the password (and REDIS_USERNAME the ACL user, if any); empty when the server needs none. It must exist before helm install: the upstream chart reads it with lookup while rendering and writes the password into its ConfigMaps, so helm template and GitOps renderers without cluster access cannot use it.
   */
  existingSecret?: string;
  /**
   * Connect with TLS.
   */
  tls?: boolean;
}
/**
 * The Trivy vulnerability scanner.
 */
export interface Trivy {
  /**
   * Deploy Trivy and offer vulnerability scanning.
   */
  enabled?: boolean;
  /**
   * Never download the vulnerability database. Turn on for fully air-gapped sites that load the database into storage.trivy themselves; scans then use what is there.
   */
  skipUpdate?: boolean;
  /**
   * Scan without network access during a scan (no Java index or remote look-ups), so scans do not hang while the site is offline.
   */
  offlineScan?: boolean;
}
/**
 * Replica counts. One each fits a single Edge host; raise core, portal and nginx on multi-node clusters. registry and jobservice share ReadWriteOnce volumes when backend.type is pvc, so keep them at 1 unless the StorageClass is ReadWriteMany.
 */
export interface Replicas {
  /**
   * Replicas of harbor-core.
   */
  core?: number;
  /**
   * Replicas of the web UI.
   */
  portal?: number;
  /**
   * Replicas of the nginx front end.
   */
  nginx?: number;
  /**
   * Replicas of the registry.
   */
  registry?: number;
  /**
   * Replicas of the jobservice.
   */
  jobservice?: number;
}
/**
 * Network settings.
 */
export interface Network {
  /**
   * Listen on IPv6 too. Off by default: upstream nginx and portal fail to start on nodes whose kernel has IPv6 disabled, which is common on Edge images.
   */
  ipv6?: boolean;
}
/**
 * An opt-in NetworkPolicy around Harbor's internals: core, portal, jobservice, registry, database, redis, trivy and exporter accept connections only from Harbor's own pods of this release; nginx (behind the Service harbor) stays the one way in, over TLS. The chart's configure and report pods reach Harbor through nginx like any client. Needs a CNI that enforces NetworkPolicy (Calico, Cilium; k3s's default flannel with its network-policy controller); the kubelet's probes are always let through.
 */
export interface NetworkPolicy {
  /**
   * Render the NetworkPolicy harbor-edge-internal. Off by default: an Edge cluster without a policy-enforcing CNI would ignore it, and metrics scraped from another namespace (service.metrics) would be refused.
   */
  enabled?: boolean;
}
/**
 * Nodes pull through Harbor: containerd host files (certs.d/<registry>/hosts.toml) that put Harbor's proxy-cache project (and optionally spectro-images) before each upstream registry, which stays the fallback. harbor-edge node-config writes them for containerd, k3s, RKE2 and Talos; the opt-in DaemonSet writes the same files on every node.
 */
export interface NodeMirror {
  /**
   * Run the node-mirror DaemonSet, which writes the host files into every node's containerd host directory, keeps a backup of what was there and restores it on uninstall. Off in the Palette pack, whose node agent redirects pulls itself.
   */
  enabled?: boolean;
  /**
   * Addresses nodes reach Harbor at without cluster DNS, as host or IP with an optional :port (e.g. 10.10.1.5:30003). The generated certificate names each one; a certificate of your own (auth.certs.crt) must, which harbor-edge validate checks. Empty: cluster.vip at the https port of service.harbor.https.
   *
   * @maxItems 8
   */
  addresses?:
    | []
    | [string]
    | [string, string]
    | [string, string, string]
    | [string, string, string, string]
    | [string, string, string, string, string]
    | [string, string, string, string, string, string]
    | [string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string];
  /**
   * Try Harbor's spectro-images project first, in Palette's layout spectro-images/<registry>/<path> (filled by harbor-edge seed or an air-gap content bundle), then the proxy-cache project, then the upstream registry. Nodes pull anonymously, so the configuration step makes spectro-images public then: anyone who can reach Harbor can pull what it holds, as from the proxy-cache projects.
   */
  spectroImages?: boolean;
  /**
   * The nodes' Kubernetes distribution; it sets where containerd reads its host files (hostDir) and its configuration (containerdConfig).
   */
  distribution?: "containerd" | "k3s" | "rke2";
  /**
   * The node's containerd host directory (config_path). Empty: by distribution: containerd /etc/containerd/certs.d, k3s /var/lib/rancher/k3s/agent/etc/containerd/certs.d, rke2 /var/lib/rancher/rke2/agent/etc/containerd/certs.d.
   */
  hostDir?: string;
  /**
   * The node's containerd configuration file, read (not changed) to report whether containerd reads hostDir. Empty: by distribution: containerd /etc/containerd/config.toml, k3s /var/lib/rancher/k3s/agent/etc/containerd/config.toml, rke2 /var/lib/rancher/rke2/agent/etc/containerd/config.toml.
   */
  containerdConfig?: string;
  /**
   * Namespace the node-mirror DaemonSet runs in, with the ConfigMaps and the CA it reads (copies the chart keeps there). Its pod needs hostPath, which Pod Security admits only where enforce is privileged: a namespace of its own (created beforehand, labelled pod-security.kubernetes.io/enforce=privileged) lets the release namespace enforce restricted. Empty: the release namespace, which must then be privileged.
   */
  namespace?: string;
  daemonSet?: NodeMirrorDaemonSet;
}
/**
 * Settings of the node-mirror DaemonSet itself (nodeMirror.enabled). It tolerates every taint, so it runs on every node its nodeSelector allows, control-plane nodes included.
 */
export interface NodeMirrorDaemonSet {
  /**
   * Node labels a node must have to get the host files, besides kubernetes.io/os=linux, which is always required; e.g. {"node-role.kubernetes.io/edge": "true"}. Empty: every Linux node.
   */
  nodeSelector?: {
    [k: string]: string;
  };
  /**
   * How often each node's pod checks the host files and containerd's configuration again: a changed ConfigMap or CA reaches the node, and files another tool removed (k3s and RKE2 rewrite their host directory when they start) come back.
   */
  intervalSeconds?: number;
}
/**
 * The Palette registry-info Secret (SPECTRO_USER, SPECTRO_USER_PASSWORD) in the namespace cluster-<cluster.uid>, through which the cluster pulls from Harbor.
 */
export interface RegistryInfo {
  /**
   * Write registry-info. Needs cluster.uid; turn off for installs outside Palette.
   */
  enabled?: boolean;
  /**
   * Create the namespace cluster-<cluster.uid> when it does not exist (it then belongs to the release and goes with it on uninstall). Off by default: Palette creates that namespace for its clusters. Off and missing, helm install and upgrade fail at once with one line saying what to do; helm template, with no cluster to ask, cannot tell.
   */
  createNamespace?: boolean;
}
/**
 * The in-cluster report: after install and on a schedule, a Job lists the images of every pod (except in namespaces labelled stylus.io/imageswap=disable), has Harbor fetch each one it does not hold through its proxy-cache project for the nodes' platforms (manifests only, so Harbor downloads each layer once), confirms through Harbor's API that it is held, and writes "N of M running images are held by Harbor; missing: ..." to the ConfigMap harbor-edge-status and as an Event. It runs harbor-edge report from the harbor-edge image (harbor-config.image), as the read-only robot account the configuration step creates, never as admin; harbor-edge status prints the same from outside, and harbor-edge report runs it from a laptop.
 */
export interface Report {
  /**
   * Run the report after every install and upgrade and on the schedule. It reads every pod, node and namespace of the cluster (a ClusterRole with get and list on them).
   */
  enabled?: boolean;
  /**
   * When the CronJob runs, in cron syntax (the cluster's time zone).
   */
  schedule?: string;
  /**
   * How long one run waits for Harbor to hold the images it asked it to fetch (it asks for manifests only, so Harbor downloads each layer once). Harbor 2.15.1 caches in the background (src/controller/proxy/manifestcache.go, controller.go: sleepIntervalSec 20): an image once its layers are local, checked every 20 s, else after maxManifestWait 10 x 20 s = 200 s plus the download of its layers; a multi-platform index once every child is local, else after maxManifestListWait 20 x 20 s = 400 s with the children that are (an index fetched for the nodes' platforms only always takes the 400 s). The default, 600 s, outlasts the 400 s and leaves 200 s more for layers. What is not held by then is reported missing and asked for again on the next run.
   */
  confirmSeconds?: number;
  nodeCheck?: ReportNodeCheck;
}
/**
 * Opt-in: measure readiness from every node, as its containerd pulls. A DaemonSet (harbor-edge node-check --in-cluster, from the harbor-edge image) on each node fetches the manifests of the images of that node's pods the way containerd would: the node's host files (nodeMirror.hostDir) and their CA, in file order, anonymously, from the node's network and resolver (hostNetwork), and writes what it found into one ConfigMap per node (label app.kubernetes.io/component=node-check). The report then counts an image held on a node only when Harbor holds it and that node reached it. Runs as uid 10000 with no capability and read-only hostPath mounts of containerd's host and configuration directories; hostNetwork and hostPath need a namespace whose Pod Security level is privileged: nodeMirror.namespace when set, else the release namespace. Its ServiceAccount may list pods cluster-wide (the API filters by node only for a cluster-wide list) and get, create and patch ConfigMaps in its own namespace. Off: the report says Harbor holds the images and that nodes were not measured.
 */
export interface ReportNodeCheck {
  /**
   * Run the node-check DaemonSet and have the report combine its per-node results (see report.nodeCheck). Needs report.enabled.
   */
  enabled?: boolean;
  /**
   * How often each node checks the images of its pods again. A node whose result is older than 3 x this counts its images missing ("no node check result").
   */
  intervalSeconds?: number;
}
export interface Project {
  /**
   * Project name: lower-case letters, digits and . _ - separators.
   */
  name: string;
  /**
   * Anyone may pull from the project without logging in.
   */
  public?: boolean;
}
/**
 * Proxy-cache projects: Harbor pulls through from the upstream registries and keeps what it pulled, so the cluster keeps pulling while the internet link is down. Each is a public Harbor project named after the registry's host (docker.io/library/nginx is pulled as <harbor>/docker.io/library/nginx), so nodes pull anonymously; an extra registry's project is its host with ':' replaced by '-'. Created by the configuration step with registry types Harbor permits for proxy caches; while the site is offline it says so and the periodic run creates them once the link is back.
 */
export interface ProxyCache {
  /**
   * Create the proxy-cache projects (public). Nodes pull through them (nodeMirror, or harbor-edge node-config).
   */
  enabled?: boolean;
  /**
   * Public registries to proxy; each project is named after the host (docker.io, gcr.io, ghcr.io, quay.io, registry.k8s.io).
   *
   * @maxItems 5
   */
  registries?:
    | []
    | ["docker.io" | "gcr.io" | "quay.io" | "ghcr.io" | "registry.k8s.io"]
    | [
        "docker.io" | "gcr.io" | "quay.io" | "ghcr.io" | "registry.k8s.io",
        "docker.io" | "gcr.io" | "quay.io" | "ghcr.io" | "registry.k8s.io"
      ]
    | [
        "docker.io" | "gcr.io" | "quay.io" | "ghcr.io" | "registry.k8s.io",
        "docker.io" | "gcr.io" | "quay.io" | "ghcr.io" | "registry.k8s.io",
        "docker.io" | "gcr.io" | "quay.io" | "ghcr.io" | "registry.k8s.io"
      ]
    | [
        "docker.io" | "gcr.io" | "quay.io" | "ghcr.io" | "registry.k8s.io",
        "docker.io" | "gcr.io" | "quay.io" | "ghcr.io" | "registry.k8s.io",
        "docker.io" | "gcr.io" | "quay.io" | "ghcr.io" | "registry.k8s.io",
        "docker.io" | "gcr.io" | "quay.io" | "ghcr.io" | "registry.k8s.io"
      ]
    | [
        "docker.io" | "gcr.io" | "quay.io" | "ghcr.io" | "registry.k8s.io",
        "docker.io" | "gcr.io" | "quay.io" | "ghcr.io" | "registry.k8s.io",
        "docker.io" | "gcr.io" | "quay.io" | "ghcr.io" | "registry.k8s.io",
        "docker.io" | "gcr.io" | "quay.io" | "ghcr.io" | "registry.k8s.io",
        "docker.io" | "gcr.io" | "quay.io" | "ghcr.io" | "registry.k8s.io"
      ];
  /**
   * Further upstream registries to proxy, each as a public proxy-cache project.
   *
   * @maxItems 20
   */
  extraRegistries?:
    | []
    | [ExtraRegistry]
    | [ExtraRegistry, ExtraRegistry]
    | [ExtraRegistry, ExtraRegistry, ExtraRegistry]
    | [ExtraRegistry, ExtraRegistry, ExtraRegistry, ExtraRegistry]
    | [ExtraRegistry, ExtraRegistry, ExtraRegistry, ExtraRegistry, ExtraRegistry]
    | [ExtraRegistry, ExtraRegistry, ExtraRegistry, ExtraRegistry, ExtraRegistry, ExtraRegistry]
    | [ExtraRegistry, ExtraRegistry, ExtraRegistry, ExtraRegistry, ExtraRegistry, ExtraRegistry, ExtraRegistry]
    | [
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry
      ]
    | [
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry
      ]
    | [
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry
      ]
    | [
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry
      ]
    | [
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry
      ]
    | [
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry
      ]
    | [
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry
      ]
    | [
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry
      ]
    | [
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry
      ]
    | [
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry
      ]
    | [
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry
      ]
    | [
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry
      ]
    | [
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry,
        ExtraRegistry
      ];
  /**
   * Retention of the proxy-cache projects, replacing Harbor's default for them (retain what was pulled within the last 7 days, which deletes images nodes pulled once at bootstrap and keep only on their disks). 0: keep every artifact, never delete; N: keep artifacts pulled within the last N days (an image a node runs but never pulls again is deleted after N days). Harbor's garbage collection then frees the space of what retention deleted.
   */
  retentionDays?: number;
  /**
   * Serve the cached copy when the upstream registry answers 404 for an image Harbor holds (an upstream that deleted or moved a tag): Harbor 2.15.1's project setting proxy_cache_local_on_not_found.
   */
  localOnNotFound?: boolean;
}
export interface ExtraRegistry {
  /**
   * The registry host as image references name it (e.g. registry.example.com or registry.example.com:5000); the Harbor project gets this name, and nodes mirror this host.
   */
  host: string;
  /**
   * The registry endpoint Harbor pulls from.
   */
  url: string;
  /**
   * Harbor's registry type for the endpoint; only the types Harbor 2.15.1 permits for proxy caches (PERMITTED_REGISTRY_TYPES_FOR_PROXY_CACHE).
   */
  type?:
    | "docker-registry"
    | "docker-hub"
    | "harbor"
    | "azure-acr"
    | "ali-acr"
    | "aws-ecr"
    | "google-gcr"
    | "github-ghcr"
    | "jfrog-artifactory";
  /**
   * Optional Secret in the release namespace with keys access_key and access_secret: the credentials Harbor uses upstream.
   */
  credentialsSecret?: string;
}
/**
 * The configuration step: it configures Harbor through its API (the admin password and its rotation, the projects and which are public, the proxy caches and their retention). A Job named after the release revision runs it after every install and upgrade without blocking helm (no hook: helm install finishes while Harbor's images are still downloading), and a CronJob runs it periodically, so it converges once Harbor is up or the link is back and notices a changed existingSecret. It runs harbor-edge configure from the harbor-edge image (harbor-config.image), reads before it writes, and is safe to run again. It also creates the report's read-only robot account and keeps Palette's registry-info password equal to the one Harbor accepts. Failures show in the Job's status, as Events on the Job and in its log.
 */
export interface ConfigJob {
  /**
   * Run the configuration Job and CronJob.
   */
  enabled?: boolean;
  /**
   * How long the Job after install or upgrade may run, waiting for Harbor included. It does not block helm: an Edge host pulling Harbor's images over a slow link may need many minutes, and what it cannot finish in time the periodic run does.
   */
  timeoutSeconds?: number;
  /**
   * Cron schedule of the periodic run (the CronJob). Empty: no periodic run (then proxy caches Harbor could not create offline, and a changed existingSecret, wait for the next helm upgrade).
   */
  schedule?: string;
  /**
   * How long a finished Job (and its log) is kept before Kubernetes deletes it. The next helm upgrade deletes it anyway.
   */
  ttlSecondsAfterFinished?: number;
  /**
   * The periodic run warns (log and Event) when the TLS certificate Harbor serves expires within this many days.
   */
  certificateWarningDays?: number;
}
/**
 * The image of the harbor-edge program (this project's own, built and pushed by its release next to the chart) from which the chart runs its in-cluster steps: the configuration Job and CronJob (harbor-edge configure) and the report Job and CronJob (harbor-edge report). It is the CLI in one file on a distroless Node base, with no shell, for linux/amd64 and linux/arm64. Air-gapped sites mirror it with Harbor's own images (harbor-edge images lists it).
 */
export interface Image {
  /**
   * Where the image is pulled from, without tag or digest; point it at a mirror for air-gapped sites.
   */
  repository?: string;
  /**
   * The image tag. Empty: the chart's own version, the tag the release pushes with this chart.
   */
  tag?: string;
  /**
   * The image digest (sha256:...). Set: the pods pull exactly that image (the tag stays in the reference for people to read).
   */
  digest?: string;
  /**
   * When the kubelet pulls the image: IfNotPresent keeps the jobs running during an outage once a node has it.
   */
  pullPolicy?: "IfNotPresent" | "Always" | "Never";
}
