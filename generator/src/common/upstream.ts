// The pinned upstream: goharbor's harbor chart and the Harbor release it installs. A module of its own, with
// no imports, so the helm start-up path (chart/chart.ts) can name the archive without loading the values code.

/** Harbor's version (appVersion of upstream chart 1.19.1); its images carry this tag. */
export const HARBOR_VERSION = "2.15.1";
export const UPSTREAM_CHART_VERSION = "1.19.1";
