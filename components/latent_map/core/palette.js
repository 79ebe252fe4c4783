// The classes' colours, by the name Python sends (data.palette; views/state.py palette):
// "default" is Plotly's (D3's category10), whose red/green and orange/green pairs many
// people with a colour-vision deficiency cannot tell apart; "cb" is Okabe and Ito's eight
// colour-blind-safe colours (Color Universal Design, 2008) with grey and Paul Tol's wine
// for the ninth and tenth. Ten classes cannot all be far apart, but no two of these are a
// red/green pair.

export const PALETTES = {
  default: [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
  ],
  cb: [
    "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2",
    "#D55E00", "#CC79A7", "#000000", "#999999", "#882255",
  ],
};

// Class c's colour in the palette `name` (an unknown name: the default).
export function classColour(name, c) {
  const colours = PALETTES[name] || PALETTES.default;
  return colours[c % colours.length];
}
