// Requests and limits for every container, sized so the whole of Harbor fits next to Kubernetes itself on
// the seeds' smallest Edge host (4 CPU, 8 GB): requests add up to well under one core and 2 GiB.
export interface Resources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

const r = (reqCpu: string, reqMem: string, limCpu: string, limMem: string): Resources => ({
  requests: { cpu: reqCpu, memory: reqMem },
  limits: { cpu: limCpu, memory: limMem },
});

export const RESOURCES = {
  core: r("100m", "256Mi", "1", "1Gi"),
  portal: r("10m", "32Mi", "250m", "128Mi"),
  nginx: r("10m", "32Mi", "500m", "256Mi"),
  registry: r("100m", "128Mi", "1", "1Gi"),
  registryctl: r("10m", "32Mi", "250m", "256Mi"),
  jobservice: r("50m", "128Mi", "1", "512Mi"),
  database: r("100m", "256Mi", "1", "1Gi"),
  redis: r("50m", "64Mi", "500m", "512Mi"),
  trivy: r("100m", "256Mi", "1", "1Gi"),
  exporter: r("20m", "64Mi", "250m", "256Mi"),
  /** init containers: permission fixes and upstream's migrator */
  init: r("10m", "16Mi", "200m", "128Mi"),
  /** our post-install configuration Job */
  job: r("10m", "16Mi", "200m", "64Mi"),
} as const;
