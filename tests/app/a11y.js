// Collect, from the visible page, each text's contrast ratio and each
// control's accessible name and size. Evaluated by tests/app/a11y.py.
() => {
  const visible = (el) => {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return (
      style.visibility !== "hidden" && style.display !== "none" && box.width > 0 && box.height > 0
    );
  };
  const parseColor = (text) => {
    const match = text.match(/rgba?\(([^)]+)\)/);
    if (!match) return null;
    const parts = match[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
  };
  const luminance = ({ r, g, b }) => {
    const channel = (value) => {
      const v = value / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const backgrounds = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.backgroundImage.includes("gradient")) {
        const stops = [...style.backgroundImage.matchAll(/rgba?\([^)]+\)/g)];
        return stops.map((match) => parseColor(match[0]));
      }
      const color = parseColor(style.backgroundColor);
      if (color && color.a > 0.99) return [color];
    }
    return [{ r: 255, g: 255, b: 255, a: 1 }];
  };

  const texts = [];
  for (const el of document.querySelectorAll("body *")) {
    const ownText = [...el.childNodes]
      .filter((node) => node.nodeType === Node.TEXT_NODE)
      .map((node) => node.textContent.trim())
      .join(" ")
      .trim();
    if (!ownText || !visible(el) || el.closest("[disabled]")) continue;
    const style = getComputedStyle(el);
    const size = parseFloat(style.fontSize);
    const bold = Number(style.fontWeight) >= 700;
    const fg = parseColor(style.color);
    const lowest = Math.min(...backgrounds(el).map((bg) => ratio(fg, bg)));
    const large = size >= 24 || (bold && size >= 18.67);
    texts.push({ text: ownText.slice(0, 60), ratio: lowest, large });
  }

  const controls = [];
  for (const el of document.querySelectorAll("button, a[href], input, select, textarea")) {
    if (!visible(el)) continue;
    const labels = el.labels ? [...el.labels] : [];
    const labelledBy = (el.getAttribute("aria-labelledby") || "")
      .split(/\s+/).filter(Boolean).map((id) => document.getElementById(id)?.textContent || "");
    const name = (
      el.getAttribute("aria-label") || labelledBy.join(" ") ||
      labels.map((label) => label.textContent).join(" ") || el.textContent || ""
    ).trim();
    // A checkbox's label is part of its target: a tap on the label toggles it.
    const targets = [el, ...(el.type === "checkbox" ? labels : [])];
    const boxes = targets.map((node) => node.getBoundingClientRect());
    controls.push({
      tag: el.tagName.toLowerCase(),
      id: el.id,
      name,
      width: Math.max(...boxes.map((box) => box.width)),
      height: Math.max(...boxes.map((box) => box.height)),
    });
  }
  return { lang: document.documentElement.lang, texts, controls };
}
