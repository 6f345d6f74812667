// One table of containerd config.toml files and whether containerd reads the host directory /etc/containerd/certs.d:
// run through the check's TypeScript (generator/src/nodecheck/config.ts) and through chart/files/node-mirror.sh
// `check` (dash) by test/nodecheck/config.test.ts, so the two rules cannot drift apart.

export const CASE_HOST_DIR = "/etc/containerd/certs.d";

export interface ConfigCase {
  name: string;
  /** config.toml's text; undefined: the file does not exist */
  text: string | undefined;
  ok: boolean;
  /** a phrase both say */
  says: string;
}

const v1 = (body: string) => `version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "registry.k8s.io/pause:3.9"\n${body}`;
const v2 = (body: string) => `version = 3\n[plugins."io.containerd.cri.v1.images"]\n  snapshotter = "overlayfs"\n${body}`;

export const CONFIG_CASES: ConfigCase[] = [
  { name: "no config file", text: undefined, ok: false, says: "does not exist" },
  { name: "an empty file", text: "", ok: false, says: "config_path is unset" },
  {
    name: "1.x: config_path the host directory",
    text: v1(`  [plugins."io.containerd.grpc.v1.cri".registry]\n    config_path = "/etc/containerd/certs.d"\n`),
    ok: true,
    says: "containerd reads /etc/containerd/certs.d",
  },
  {
    name: "1.x: with a trailing slash and a comment",
    text: v1(`  [plugins."io.containerd.grpc.v1.cri".registry]\n    config_path = "/etc/containerd/certs.d/" # mirrors\n`),
    ok: true,
    says: "containerd reads",
  },
  {
    name: "1.x: single quotes and no blanks",
    text: v1(`[plugins.'io.containerd.grpc.v1.cri'.registry]\nconfig_path='/etc/containerd/certs.d'\n`),
    ok: true,
    says: "containerd reads",
  },
  {
    name: "1.x: another directory",
    text: v1(`  [plugins."io.containerd.grpc.v1.cri".registry]\n    config_path = "/etc/docker/certs.d"\n`),
    ok: false,
    says: 'is "/etc/docker/certs.d"',
  },
  {
    name: "1.x: config_path commented out",
    text: v1(`  [plugins."io.containerd.grpc.v1.cri".registry]\n    # config_path = "/etc/containerd/certs.d"\n`),
    ok: false,
    says: "config_path is unset",
  },
  {
    name: "1.x: config_path in the wrong table",
    text: v1(`  [plugins."io.containerd.grpc.v1.cri".containerd]\n    config_path = "/etc/containerd/certs.d"\n`),
    ok: false,
    says: "config_path is unset",
  },
  {
    name: "version 1 file: [plugins.cri.registry]",
    text: `[plugins.cri.registry]\n  config_path = "/etc/containerd/certs.d"\n`,
    ok: true,
    says: "containerd reads",
  },
  {
    name: "2.x: config_path the host directory",
    text: v2(`[plugins."io.containerd.cri.v1.images".registry]\n  config_path = "/etc/containerd/certs.d"\n`),
    ok: true,
    says: "containerd reads",
  },
  {
    name: "2.x: config_path empty",
    text: v2(`[plugins."io.containerd.cri.v1.images".registry]\n  config_path = ""\n`),
    ok: false,
    says: "config_path is unset",
  },
  {
    name: "2.x: 2.2's colon list without use_local_image_pull",
    text: v2(`[plugins."io.containerd.cri.v1.images".registry]\n  config_path = "/etc/containerd/certs.d:/etc/docker/certs.d"\n`),
    ok: false,
    says: "colon-separated",
  },
  {
    name: "2.x: a colon list with use_local_image_pull = true",
    text: `version = 3\n[plugins."io.containerd.cri.v1.images"]\n  use_local_image_pull = true\n[plugins."io.containerd.cri.v1.images".registry]\n  config_path = "/etc/docker/certs.d:/etc/containerd/certs.d/"\n`,
    ok: true,
    says: "with use_local_image_pull",
  },
  {
    name: "2.x: a colon list with use_local_image_pull, not listing it",
    text: `version = 3\n[plugins."io.containerd.cri.v1.images"]\n  use_local_image_pull = true\n[plugins."io.containerd.cri.v1.images".registry]\n  config_path = "/a:/b"\n`,
    ok: false,
    says: "does not list it",
  },
  {
    name: "2.x wins over 1.x",
    text: `${v1(`  [plugins."io.containerd.grpc.v1.cri".registry]\n    config_path = "/etc/containerd/certs.d"\n`)}[plugins."io.containerd.cri.v1.images".registry]\n  config_path = "/other"\n`,
    ok: false,
    says: 'is "/other"',
  },
  {
    name: "CRLF line ends",
    text: `version = 2\r\n[plugins."io.containerd.grpc.v1.cri".registry]\r\n  config_path = "/etc/containerd/certs.d"\r\n`,
    ok: true,
    says: "containerd reads",
  },
  {
    name: "no newline at the end",
    text: `[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"`,
    ok: true,
    says: "containerd reads",
  },
];
