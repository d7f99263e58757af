// موجز — configures Pagefind's Component UI before it starts (docs/search.md).
// Loaded as a classic script right before pagefind-component-ui.js (mkdocs.yml).
(() => {
  // 1. Queries go through our shim (pagefind.js in this folder), not the bundle's own
  //    pagefind.js. An absolute path, because the UI import()s it from its own URL.
  const here = new URL("./", document.currentScript.src).pathname;
  for (const config of document.querySelectorAll("pagefind-config")) {
    config.setAttribute("bundle-path", here);
  }
  // 2. Interface strings: Pagefind ships Arabic ones (right-to-left); these read better
  //    for a news site and name what is searched.
  const translations = {
    placeholder: "ابحث في الأخبار",
    search_label: "ابحث في الأخبار والكيانات",
    keyboard_search: "ابحث في الأخبار",
    zero_results: "لا نتائج لـ«[SEARCH_TERM]»",
    one_result: "نتيجة واحدة لـ«[SEARCH_TERM]»",
    many_results: "[COUNT] نتيجة لـ«[SEARCH_TERM]»",
    searching: "جارٍ البحث عن «[SEARCH_TERM]»…",
    filters_label: "تصفية",
    load_more: "نتائج أخرى",
    clear_search: "مسح",
    input_hint: "تظهر النتائج أثناء الكتابة",
  };
  // 3. Then the dialog (partials/search-modal.html): inserted after the strings are set,
  //    because <pagefind-modal> nests its dialog when it re-renders for new strings.
  document.addEventListener("DOMContentLoaded", () => {
    const components = window.PagefindComponents;
    if (!components) return; // the search bundle is missing (a build with --no-search)
    components.getInstanceManager().getInstance("default").setTranslations(translations);
    const dialog = document.getElementById("mj-search-modal");
    if (dialog) document.body.append(dialog.content.cloneNode(true));
  });
})();
