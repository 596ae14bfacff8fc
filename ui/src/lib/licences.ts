// The third-party licences list of the About dialog: which packages a filter keeps, and in what order.
import type { ThirdPartyPackage } from "../bindings";

/** A package's key in the list: one crate may be in it at two versions. */
export const packageKey = (item: ThirdPartyPackage): string =>
  `${item.ecosystem}:${item.name}@${item.version}`;

/** How well a package answers the query: 0 its name is the query, 1 it starts with it, 2 it contains it,
 * 3 its licence or version does; null not at all. */
function rank(item: ThirdPartyPackage, wanted: string): number | null {
  const name = item.name.toLowerCase();
  if (name === wanted) return 0;
  if (name.startsWith(wanted)) return 1;
  if (name.includes(wanted)) return 2;
  if (item.licence.toLowerCase().includes(wanted) || item.version.startsWith(wanted)) return 3;
  return null;
}

/** The packages the query names, the closest matches first ("tauri" before "tauri-build"), then in list
 * order; every package for an empty query. */
export function matchingPackages(list: ThirdPartyPackage[], query: string): ThirdPartyPackage[] {
  const wanted = query.trim().toLowerCase();
  if (!wanted) return list;
  const ranked: { item: ThirdPartyPackage; rank: number; at: number }[] = [];
  list.forEach((item, at) => {
    const found = rank(item, wanted);
    if (found !== null) ranked.push({ item, rank: found, at });
  });
  return ranked.sort((a, b) => a.rank - b.rank || a.at - b.at).map((entry) => entry.item);
}

/** "532 Rust crates and 6 npm packages". */
export function countsLine(list: ThirdPartyPackage[]): string {
  const rust = list.filter((item) => item.ecosystem === "rust").length;
  const npm = list.length - rust;
  const plural = (count: number, one: string, many: string) => `${String(count)} ${count === 1 ? one : many}`;
  return `${plural(rust, "Rust crate", "Rust crates")} and ${plural(npm, "npm package", "npm packages")}`;
}
