"""Stage 5, a model -> numbers: errors in degrees, paired statistics, the offline
`Predictor`, evaluation of recordings and the streaming latency benchmark's logic."""
