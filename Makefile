# Every target bootstraps Node 24 (scripts/node-env.sh) and installs what it needs itself.
SHELL := /bin/bash
NODE_ENV_SH := . scripts/node-env.sh
RECSYS := node cli/src/main.ts
ML100K ?= $(firstword $(wildcard ../shared/data/ml-100k) ml-100k)
VAR ?= var

.PHONY: start test test-% schemathesis bench bench-scale bench-plain-path bench-regret figures install lint typecheck format clean

## start: the whole system on one machine: recsys up -f examples/recmodel.yaml (trains if no Production, serves, retrains on schedule)
start:
	@VAR=$(VAR) ML100K=$(ML100K) scripts/start.sh

## test: static checks and every test tier, with each tier's wall time at the end
test:
	@scripts/test.sh

test-%:
	@scripts/test.sh $*

## schemathesis: property-based requests from /openapi.json against the real server (also in the integration tier)
schemathesis: install
	@$(NODE_ENV_SH) && serving/scripts/schemathesis.sh $(EXAMPLES)

## figures: train on MovieLens 100K and write the README's results table and docs/figures/frontier.svg
figures: install
	@$(NODE_ENV_SH) && $(if $(wildcard $(ML100K)/u.data),RECSYS_ML100K=$(abspath $(ML100K))) node scripts/figures.ts

## bench: the benchmark commands under bench/, each printing its figure and the target it is held to
bench: install
	@scripts/system-deps.sh postgresql # bench/replicas.ts starts a real PostgreSQL
	@$(NODE_ENV_SH) && for b in bench/*.ts; do echo "=== $$b ==="; node $$b || exit 1; done

## bench-scale: recsys data synth in the ML-1M, ML-10M and ML-25M shapes, the default recsys train on each and the serving bench on its bundle (hours on 2 cores; SHAPES=ml-1m for one)
bench-scale: install
	@$(NODE_ENV_SH) && nice -n 10 node bench/scale/run.ts $(if $(SHAPES),--shapes $(SHAPES))

## bench-regret: selection regret of the single split and of rolling validation on ml-100k, its oldest 60% and two synthetic shapes (about 20 min)
bench-regret: install
	@$(NODE_ENV_SH) && $(if $(wildcard $(ML100K)/u.data),RECSYS_ML100K=$(abspath $(ML100K))) nice -n 10 node bench/selection/regret.ts

## bench-plain-path: synth 20,000 users x 50,000 movies, train ALS, promote, serve --follow, wrk on /similar and /recommend (needs wrk)
bench-plain-path: install
	@$(NODE_ENV_SH) && node bench/scale/plain-path.ts

install:
	@$(NODE_ENV_SH) && scripts/install.sh

typecheck: install
	@$(NODE_ENV_SH) && npx tsc -p tsconfig.json && npx tsc -p frontend-astro && npx tsc -p frontend-astro/test

lint: install
	@$(NODE_ENV_SH) && npx biome check .

format: install
	@$(NODE_ENV_SH) && npx biome check --write .

clean:
	rm -rf test-output $(VAR)

include mk/cluster.mk
