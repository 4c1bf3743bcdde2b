import 'reflect-metadata';
import fc from 'fast-check';

// Property tests in `npm test` are reproducible: one seed for every run (override with FC_SEED to
// explore, e.g. FC_SEED=$RANDOM npm test). Long random campaigns live behind `npm run fuzz`.
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 0x5eed) });
