"""The HTTP protocols ``cairn serve`` speaks: Open Inference Protocol v2, MLflow's, and plain."""
