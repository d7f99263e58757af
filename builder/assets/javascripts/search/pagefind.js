// موجز — query side of the Arabic search pass (docs/search.md).
//
// Pagefind's Component UI loads `${bundle-path}pagefind.js` and calls createInstance();
// ui.js points bundle-path at this folder, so this module stands in for Pagefind's own
// pagefind.js: it forwards everything to the real bundle and rewrites the query first.
// The tests load it the same way, so the UI and the relevance set process queries alike.
//
// The processing is builder/stemmer.py's `stem`, driven by tables.js, which the build
// generates from that Python module (builder/search.py): no rule is written here twice.
import * as pagefind from "../../../pagefind/pagefind.js";
import tables from "./tables.js";

const arabicLetter = new RegExp(tables.arabicLetter, "u");
const stopwords = new Set(tables.stopwords);
// A word is a run of letters, digits, combining marks (harakat) and tatweel.
const wordPattern = /[\p{L}\p{N}\p{M}\u0640]+/gu;

/** One word, as builder.stemmer.stem() would return it ("" = function word). */
export function stem(raw) {
  let word = "";
  for (const char of raw.normalize("NFKC")) word += tables.charMap[char] ?? char;
  word = word.toLowerCase();
  if (!word || stopwords.has(word)) return "";
  if (!arabicLetter.test(word)) return word;
  if (word.startsWith(tables.conjunction) && word.length - 1 >= tables.minConjunctionRest) {
    word = word.slice(1);
    if (stopwords.has(word)) return "";
  }
  for (const prefix of tables.prefixes) {
    if (word.startsWith(prefix) && word.length - prefix.length >= tables.minPrefixRest) {
      word = word.slice(prefix.length);
      break;
    }
  }
  for (const suffix of tables.suffixes) {
    if (word.endsWith(suffix) && word.length - suffix.length >= tables.minSuffixRest) {
      word = word.slice(0, -suffix.length);
    }
  }
  return word;
}

/** The query Pagefind receives: one stem per word, function words dropped. */
export function processQuery(query) {
  return (query.match(wordPattern) ?? []).map(stem).filter(Boolean).join(" ");
}

// A query of function words only would match every page: answer it with no results.
const noResults = { results: [], unfilteredResultCount: 0, filters: {}, totalFilters: {}, timings: [] };

function wrap(target) {
  return {
    ...target,
    // `null` is Pagefind's "filters only" search: pass it through untouched.
    search: (term, options) => {
      const processed = term === null ? null : processQuery(term);
      return processed === "" ? Promise.resolve(noResults) : target.search(processed, options);
    },
    debouncedSearch: (term, options, timeout) => {
      const processed = term === null ? null : processQuery(term);
      return processed === ""
        ? Promise.resolve(noResults)
        : target.debouncedSearch(processed, options, timeout);
    },
    preload: (term, options) => (term ? target.preload(processQuery(term), options) : undefined),
  };
}

export const { options, init, destroy, mergeIndex, filters } = pagefind;
const module = wrap(pagefind);
export const { search, debouncedSearch, preload } = module;
export function createInstance(instanceOptions) {
  return wrap(pagefind.createInstance(instanceOptions));
}
