# dzvin images for docker-compose.yml.
#   app: the calls worker and the telephony bridge (whisper.cpp CPU build and base model baked in)
#   gpu: the GPU worker; builds whisper.cpp with CUDA on its first start, into the cache volume,
#        because the build targets the GPU it finds
FROM node:20-bookworm AS app
RUN apt-get update \
  && apt-get install -y --no-install-recommends cmake g++ make python3-pip \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/dzvin
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# A Temporal address means a server is configured, so setup skips the embedded Temporal CLI.
RUN TEMPORAL_ADDRESS=temporal:7233 npm run setup
ENV NODE_ENV=production
CMD ["npm", "run", "worker"]

FROM nvidia/cuda:12.6.3-devel-ubuntu24.04 AS gpu
COPY --from=node:20-bookworm /usr/local/bin/node /usr/local/bin/node
COPY --from=node:20-bookworm /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s /usr/local/lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
  && apt-get update \
  && apt-get install -y --no-install-recommends cmake g++ make git ca-certificates \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/dzvin
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
ENV NODE_ENV=production WHISPER_DEVICE=cuda
CMD ["npm", "run", "gpu-worker"]
