"""Studies: work over many runs and results folders, above the pipeline's stages.

- `pretrained`: rebuild the shipped models and their cards from their recipes
  (`experiments/profiles/recipes/*.yaml`) and the cross-lab grid's results;
- `calibration`: calibrate a network to one person and score it on their later walking
  (`gaitpredict adapt`);
- `bases`, `curve`: the base networks of a cross-lab results folder, and the calibration
  curve (RMSE against seconds of a new wearer's walking) built on them.
"""
