"""Running untrusted code behind a kernel boundary (bubblewrap, cgroups, rlimits)."""
