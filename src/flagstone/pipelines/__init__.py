"""The whole loop in one resumable command: snapshot, train (with calibration), register, evaluate,
compare with production, promote if the gates pass, report (``flagstone pipeline run RECIPE``)."""
