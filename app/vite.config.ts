// Build the citizen app into ../dispatch/web/app/, which the dispatch service
// serves at /app/. Everything the app loads comes from there: no CDN and no
// external fonts.

import { readFileSync } from "node:fs";
import { defineConfig } from "vite";
import { VitePWA } from "vite-plugin-pwa";

const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as {
  version: string;
};

export default defineConfig({
  base: "/app/",
  define: {
    __APP_VERSION__: JSON.stringify(version),
  },
  build: {
    outDir: "../dispatch/web/app",
    emptyOutDir: true,
    target: "es2020",
  },
  plugins: [
    VitePWA({
      registerType: "autoUpdate",
      // main.ts registers the service worker itself.
      injectRegister: false,
      manifest: {
        name: "Ampera Panik",
        short_name: "Ampera",
        description: "Tombol panik warga Palembang untuk Polresta Palembang",
        lang: "id",
        start_url: "/app/",
        scope: "/app/",
        display: "standalone",
        orientation: "portrait",
        background_color: "#ffffff",
        theme_color: "#1f2933",
        icons: [
          { src: "icon-192.png", sizes: "192x192", type: "image/png" },
          { src: "icon-512.png", sizes: "512x512", type: "image/png" },
          { src: "icon-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
          { src: "icon.svg", sizes: "any", type: "image/svg+xml" },
        ],
      },
      workbox: {
        // The app shell is precached so the app opens without a network;
        // API calls and the MQTT WebSocket always go to the network.
        globPatterns: ["**/*.{js,css,html,svg,png,webmanifest}"],
        navigateFallback: "/app/index.html",
        navigateFallbackAllowlist: [/^\/app\//],
        cleanupOutdatedCaches: true,
        // Control the page that installed the worker, so the app works
        // offline from its first visit on.
        clientsClaim: true,
        skipWaiting: true,
      },
    }),
  ],
});
