placeholder bytes for tf2model/fingerprint.pb of fixture tensorflow-tf2module-mlflow2
