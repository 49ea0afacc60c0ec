# Sourced by the scripts (bash): installs the pinned Node.js when missing and puts it first on PATH,
# as the Makefile does for every target, so a script run alone runs on the same Node.
_vpcd_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$_vpcd_root/scripts/install-node.sh"
_vpcd_node_bin="$_vpcd_root/.tools/node-$(cat "$_vpcd_root/.node-version")/bin"
case ":$PATH:" in
  *":$_vpcd_node_bin:"*) ;;
  *) export PATH="$_vpcd_node_bin:$PATH" ;;
esac
unset _vpcd_root _vpcd_node_bin
